package io.patronus.appliance.crash;

import io.patronus.appliance.Appliance;
import io.patronus.appliance.config.ConfigLoader;
import io.patronus.appliance.store.StateStore;
import io.patronus.appliance.store.StoreOptions;
import io.patronus.wal.RecordType;
import io.patronus.wal.WalOptions;
import io.patronus.model.Endpoint;
import io.patronus.model.IpPrefix;
import io.patronus.model.Policy;
import io.patronus.model.PolicyAction;
import io.patronus.model.PolicyMatch;
import io.patronus.model.Site;
import io.patronus.model.SiteStatus;

import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The child process of {@link CrashRecoveryTest}: mutates the store or serves the API until it is killed with SIGKILL.
 * It reports on stdout, one line per event and flushed at once, so that the parent knows exactly what was
 * acknowledged before the kill:
 * <pre>
 * READY
 * BEGIN run i op        before a store mutation
 * ACK run i op          after the mutation returned (it is durable)
 * RAW thread n seq      after a raw log append returned (durable), with its sequence
 * PORT p / PASSWORD pw  in http mode: where the API listens and the admin password of a fresh store
 * </pre>
 */
public final class CrashWorker {
    /** Mutations per run at most (the parent kills long before on this machine); keeps policy priorities unique. */
    static final int MAX_OPS = 240;

    /** Small segments and frequent checkpoints, so kills land in rolls, checkpoints and retirements too. */
    static StoreOptions options(Path dir) {
        return new StoreOptions(dir, new WalOptions(dir.resolve("wal"), 64 * 1024, Duration.ofMillis(1), 256 * 1024),
                25, true, Clock.systemUTC());
    }

    public static void main(String[] args) throws Exception {
        Path dir = Path.of(args[0]);
        String mode = args[1];
        int run = Integer.parseInt(args[2]);
        PrintStream stdout = new PrintStream(new java.io.FileOutputStream(java.io.FileDescriptor.out), false, StandardCharsets.UTF_8);
        if (mode.equals("http")) {
            Map<String, String> env = Map.of("PATRONUS_DATA_DIR", dir.toString(), "PATRONUS_API_PORT", "0",
                    "PATRONUS_API_HOST", "127.0.0.1", "PATRONUS_DATA_PLANE_MODE", "memory");
            Appliance a = Appliance.start(ConfigLoader.load(Optional.empty(), env), Clock.systemUTC());
            a.generatedAdminPassword().ifPresent(pw -> emit(stdout, "PASSWORD " + pw));
            emit(stdout, "PORT " + a.port());
            emit(stdout, "READY");
            Thread.sleep(Long.MAX_VALUE);
            return;
        }
        // Events go to a file, not the pipe: what a write(2) put in the page cache before SIGKILL is there for the
        // parent to read, with no reader thread racing the process's exit.
        PrintStream out = new PrintStream(new java.io.FileOutputStream(eventsFile(dir, run).toFile(), true), false,
                StandardCharsets.UTF_8);
        StateStore store = StateStore.open(options(dir));
        emit(out, "READY");
        PrintStream sink = out;
        for (int t = 0; t < 3; t++) {
            int thread = t;
            Thread.ofPlatform().daemon().start(() -> {
                for (int n = 0; ; n++) {
                    long seq = store.append(RecordType.RAW, rawPayload(run, thread, n));
                    emit(sink, "RAW " + thread + " " + n + " " + seq);
                    // Paced so that the appenders share group commits with the mutations instead of starving them.
                    java.util.concurrent.locks.LockSupport.parkNanos(500_000);
                }
            });
        }
        for (int i = 0; i < MAX_OPS; i++) {
            String op = op(i);
            emit(out, "BEGIN " + run + " " + i + " " + op);
            apply(store, run, i);
            emit(out, "ACK " + run + " " + i + " " + op);
        }
        emit(out, "DONE");
        Thread.sleep(Long.MAX_VALUE);
    }

    /** Where a store-mode child writes its event lines. */
    static java.nio.file.Path eventsFile(Path dir, int run) {
        return dir.resolveSibling(dir.getFileName() + "-events-" + run + ".log");
    }

    static byte[] rawPayload(int run, int thread, int n) {
        return ("raw/" + run + "/" + thread + "/" + n).getBytes(StandardCharsets.UTF_8);
    }

    /** The operation number {@code i} performs: a fixed cycle of creates, replaces, deletes and policy creates. */
    static String op(int i) {
        return switch (i % 8) {
            case 0, 4 -> "create-site";
            case 1, 5 -> "rename-site";
            case 2, 6 -> "create-policy";
            case 3 -> "delete-site";
            default -> "delete-policy";
        };
    }

    /** Applies op {@code i} of {@code run}; the expected effect is {@link CrashModel#apply}. */
    static void apply(StateStore store, int run, int i) {
        switch (op(i)) {
            case "create-site" -> store.createSite(site(run, i, "Site " + i), "crash-test");
            case "rename-site" -> store.replaceSite(site(run, i - 1, "Renamed " + i), "crash-test");
            case "create-policy" -> store.createPolicy(policy(run, i), "crash-test");
            case "delete-site" -> store.deleteSite(siteId(run, i - 3), "crash-test");
            default -> store.deletePolicy(policyId(run, i - 1), "crash-test");
        }
    }

    static String siteId(int run, int i) {
        return "r" + run + "-s" + i;
    }

    static String policyId(int run, int i) {
        return "r" + run + "-p" + i;
    }

    static Site site(int run, int i, String name) {
        byte[] key = new byte[32];
        key[0] = (byte) run;
        key[1] = (byte) i;
        key[2] = (byte) (i >> 8);
        return new Site(siteId(run, i), name, "", Base64.getEncoder().encodeToString(key),
                Map.of("fiber", new Endpoint("192.0.2.1", 51820)),
                List.of(IpPrefix.parse("fd00:" + Integer.toHexString(run) + ":" + Integer.toHexString(i) + "::/48")),
                SiteStatus.ACTIVE, Instant.EPOCH);
    }

    static Policy policy(int run, int i) {
        // Priorities must be unique across every run that shares the store: a block of MAX_OPS per run.
        return new Policy(policyId(run, i), "Policy " + i, run * MAX_OPS + i + 1, PolicyMatch.any(), new PolicyAction.Drop());
    }

    /** Fair, so that the mutation thread's lines are not held back behind the raw appenders' ones. */
    private static final java.util.concurrent.locks.ReentrantLock EMIT = new java.util.concurrent.locks.ReentrantLock(true);

    private static void emit(PrintStream out, String line) {
        EMIT.lock();
        try {
            out.println(line);
            out.flush();
        } finally {
            EMIT.unlock();
        }
    }
}
