package io.patronus.appliance.bpf;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

/** Shared fixtures for the bpf tests: the compiled test objects, bpffs scratch directories, byte helpers, packets. */
final class BpfTestSupport {
    private BpfTestSupport() {
    }

    /** The bytes of test object {@code name} (bpf/test/NAME.c compiled by bpf/build). */
    static byte[] objectBytes(String name) {
        try (InputStream in = BpfTestSupport.class.getResourceAsStream("/bpf/" + name + ".o")) {
            if (in == null) {
                throw new IllegalStateException("/bpf/" + name + ".o is not on the test class path: did bpf/build run?");
            }
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static ElfObject object(String name) {
        return ElfObject.parse(objectBytes(name), name + ".o");
    }

    static void assumeRoot() {
        assumeTrue("root".equals(System.getProperty("user.name")), "needs root for bpf(2), bpffs and tc");
    }

    /** A fresh directory {@code /sys/fs/bpf/patronus-test-<random>} (bpffs mounted if needed). */
    static Path newPinDirectory() {
        Path dir = Bpffs.DEFAULT.resolve("patronus-test-" + HexFormat.of().toHexDigits(ThreadLocalRandom.current().nextInt()));
        Bpffs.ensureMounted(dir);
        return dir;
    }

    /** Removes {@code dir} and everything under it (pins are unlinked like files); no-op if absent. */
    static void deleteTree(Path dir) {
        if (dir == null || !Files.exists(dir)) {
            return;
        }
        try (Stream<Path> walk = Files.walk(dir)) {
            for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static String run(String... cmd) {
        try {
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
            byte[] out = p.getInputStream().readAllBytes();
            if (!p.waitFor(20, TimeUnit.SECONDS) || p.exitValue() != 0) {
                throw new IllegalStateException(String.join(" ", cmd) + " failed: " + new String(out, StandardCharsets.UTF_8));
            }
            return new String(out, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    static byte[] u32(int v) {
        return new byte[] {(byte) v, (byte) (v >>> 8), (byte) (v >>> 16), (byte) (v >>> 24)};
    }

    static byte[] u64(long v) {
        byte[] b = new byte[8];
        for (int i = 0; i < 8; i++) {
            b[i] = (byte) (v >>> (8 * i));
        }
        return b;
    }

    static long u64(byte[] b) {
        long v = 0;
        for (int i = 7; i >= 0; i--) {
            v = v << 8 | (b[i] & 0xff);
        }
        return v;
    }

    static int u32(byte[] b) {
        return (b[0] & 0xff) | (b[1] & 0xff) << 8 | (b[2] & 0xff) << 16 | (b[3] & 0xff) << 24;
    }

    /** The u64 at key {@code index} of an array map. */
    static long counter(BpfMap map, int index) {
        return u64(map.lookup(u32(index)).orElseThrow());
    }

    /** An LPM trie key {prefixlen (host order), IPv4 address (network order)}. */
    static byte[] lpmKey(int prefixLength, String ipv4) {
        byte[] key = new byte[8];
        System.arraycopy(u32(prefixLength), 0, key, 0, 4);
        String[] parts = ipv4.split("\\.");
        for (int i = 0; i < 4; i++) {
            key[4 + i] = (byte) Integer.parseInt(parts[i]);
        }
        return key;
    }

    /** A broadcast Ethernet frame of an experimental ethertype (0x88b5): nothing in the kernel answers it. */
    static byte[] experimentalFrame() {
        byte[] f = new byte[64];
        for (int i = 0; i < 6; i++) {
            f[i] = (byte) 0xff;
        }
        byte[] src = {0x02, 0x00, 0x5e, 0x10, 0x00, 0x01};
        System.arraycopy(src, 0, f, 6, 6);
        f[12] = (byte) 0x88;
        f[13] = (byte) 0xb5;
        return f;
    }

    /** An Ethernet + IPv4 + UDP frame to {@code dst} (a TEST-NET address), checksums left 0: BPF tests do not care. */
    static byte[] ipv4Frame(String dst) {
        byte[] f = new byte[14 + 20 + 8 + 18];
        f[12] = 0x08;
        f[13] = 0x00;
        f[14] = 0x45;
        int total = f.length - 14;
        f[16] = (byte) (total >>> 8);
        f[17] = (byte) total;
        f[22] = 64;
        f[23] = 17;
        byte[] src = {(byte) 192, 0, 2, 1};
        System.arraycopy(src, 0, f, 26, 4);
        System.arraycopy(lpmKey(0, dst), 4, f, 30, 4);
        return f;
    }
}
