package io.patronus.appliance.federation;

import io.patronus.appliance.auth.SecretFiles;
import io.patronus.model.Json;
import io.patronus.provisioning.Pem;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;

/**
 * The enrolment files in {@code dataDir/federation/}: {@code device.key} (the device's EC private key, mode 0600,
 * never leaves the appliance), {@code device.pem} (its certificate), {@code ca.pem} (the pinned controller CA) and
 * {@code identity.json}. {@code identity.json} is written last, so its presence means "enrolled" and the other three
 * are complete. A renewal writes {@code device.next.key} and {@code device.next.pem} first and then renames them over
 * the current pair; {@link #finishRenewal()} completes a renewal a crash interrupted.
 *
 * <p>Thread-safety: writes are atomic renames; callers serialise writers (enrolment and renewal run on one thread).
 */
final class FederationFiles {
    static final String DIR = "federation";
    private final Path dir;

    FederationFiles(Path dataDir) {
        this.dir = dataDir.resolve(DIR);
    }

    Path dir() {
        return dir;
    }

    Path identityFile() {
        return dir.resolve("identity.json");
    }

    Path keyFile() {
        return dir.resolve("device.key");
    }

    Path certificateFile() {
        return dir.resolve("device.pem");
    }

    Path caFile() {
        return dir.resolve("ca.pem");
    }

    Path stateFile() {
        return dir.resolve("state.json");
    }

    boolean enrolled() {
        return Files.isRegularFile(identityFile());
    }

    Identity identity() {
        try {
            return Json.mapper().readValue(Files.readAllBytes(identityFile()), Identity.class);
        } catch (IOException | RuntimeException e) {
            throw damaged(identityFile(), e);
        }
    }

    X509Certificate ca() {
        return certificate(caFile());
    }

    X509Certificate deviceCertificate() {
        return certificate(certificateFile());
    }

    PrivateKey deviceKey() {
        try {
            return Pem.parsePrivateKey(new String(SecretFiles.read(keyFile()), StandardCharsets.US_ASCII));
        } catch (IOException | RuntimeException e) {
            throw damaged(keyFile(), e);
        }
    }

    private X509Certificate certificate(Path file) {
        try {
            return Pem.parseCertificate(Files.readString(file, StandardCharsets.US_ASCII));
        } catch (IOException | RuntimeException e) {
            throw damaged(file, e);
        }
    }

    private FederationException damaged(Path file, Exception e) {
        return new FederationException("identity_damaged", "enrolment file " + file + " cannot be read (" + e.getMessage()
                + "); the appliance cannot talk to its controller: restore " + dir + " from a backup, or delete it and"
                + " enrol again with a new bootstrap token", false, e);
    }

    /** Stores a completed enrolment; identity.json last. */
    void saveEnrolment(PrivateKey key, X509Certificate certificate, X509Certificate ca, Identity identity) {
        try {
            SecretFiles.write(keyFile(), Pem.privateKey(key).getBytes(StandardCharsets.US_ASCII));
            writePublic(certificateFile(), Pem.certificate(certificate));
            writePublic(caFile(), Pem.certificate(ca));
            writeIdentity(identity);
        } catch (IOException e) {
            throw new FederationException("identity_unwritable", "cannot store the enrolment in " + dir + ": " + e.getMessage(), false, e);
        }
    }

    void writeIdentity(Identity identity) throws IOException {
        writePublic(identityFile(), Json.mapper().writerWithDefaultPrettyPrinter().writeValueAsString(identity));
    }

    /** Installs a renewed key and certificate: both written aside, then renamed key first. */
    void saveRenewal(PrivateKey key, X509Certificate certificate, Identity identity) {
        try {
            SecretFiles.write(dir.resolve("device.next.key"), Pem.privateKey(key).getBytes(StandardCharsets.US_ASCII));
            writePublic(dir.resolve("device.next.pem"), Pem.certificate(certificate));
            finishRenewal();
            writeIdentity(identity);
        } catch (IOException e) {
            throw new FederationException("identity_unwritable", "cannot store the renewed certificate in " + dir + ": "
                    + e.getMessage(), true, e);
        }
    }

    /**
     * Completes an interrupted renewal: with both next files present they replace the pair; with only the certificate
     * left the key was already moved, so the certificate follows; a lone next key had no certificate yet and is dropped.
     */
    void finishRenewal() throws IOException {
        Path nextKey = dir.resolve("device.next.key");
        Path nextCert = dir.resolve("device.next.pem");
        if (Files.exists(nextKey) && Files.exists(nextCert)) {
            Files.move(nextKey, keyFile(), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } else {
            Files.deleteIfExists(nextKey);
        }
        if (Files.exists(nextCert)) {
            Files.move(nextCert, certificateFile(), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        }
    }

    /** Writes a non-secret file atomically (temp file, fsync, rename). */
    static void writePublic(Path file, String content) throws IOException {
        Files.createDirectories(file.getParent());
        Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
        Files.write(tmp, content.getBytes(StandardCharsets.UTF_8), StandardOpenOption.CREATE, StandardOpenOption.TRUNCATE_EXISTING,
                StandardOpenOption.WRITE, StandardOpenOption.SYNC);
        Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    }
}
