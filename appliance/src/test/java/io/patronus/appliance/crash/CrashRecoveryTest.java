package io.patronus.appliance.crash;

import io.patronus.appliance.store.StateStore;
import io.patronus.wal.LogRecord;
import io.patronus.wal.RecordType;
import io.patronus.appliance.testing.ApiClient;
import io.patronus.appliance.testing.Fixtures;
import io.patronus.model.Policy;
import io.patronus.model.Site;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.InputStream;
import java.io.ByteArrayOutputStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Kills a child JVM that is mutating the store (and appending raw records from three threads) with SIGKILL at random
 * moments, 200 times on one data directory, plus a series of kills of a child serving the real HTTP API while this
 * test sends it mutations. After every kill the store must open, hold every acknowledged mutation, hold the one
 * in-flight mutation either entirely or not at all, and the log must still hold every acknowledged raw record that no
 * checkpoint has retired.
 */
class CrashRecoveryTest {
    private static final int STORE_KILLS = 200;
    private static final int HTTP_KILLS = 8;

    @TempDir
    Path dir;

    /** The expected configuration state, built from what the children acknowledged. */
    private final Map<String, String> sites = new TreeMap<>();
    private final TreeSet<String> policies = new TreeSet<>();
    private long acknowledgedMutations;
    private long acknowledgedRaw;
    private long killsWithMutationInFlight;

    @Test
    void sigkillDuringMutations_losesNothingAcknowledged_andHalfAppliesNothing() throws Exception {
        long seed = Long.getLong("crash.seed", System.nanoTime());
        Random random = new Random(seed);
        for (int run = 0; run < STORE_KILLS; run++) {
            List<String> lines = runAndKill("store", run, 5 + random.nextInt(250));
            try {
                verifyStoreRun(run, lines);
            } catch (AssertionError e) {
                throw new AssertionError("run " + run + " (seed " + seed + "): " + e.getMessage(), e);
            }
        }
        // Guard against a test that passes because nothing happened before the kills.
        assertTrue(acknowledgedMutations > STORE_KILLS, "only " + acknowledgedMutations + " mutations acknowledged");
        assertTrue(acknowledgedRaw > STORE_KILLS, "only " + acknowledgedRaw + " raw appends acknowledged");
        assertTrue(killsWithMutationInFlight > STORE_KILLS / 2, "only " + killsWithMutationInFlight + " kills hit a mutation in flight");
        System.out.printf("crash test: %d kills, %d mutations and %d raw appends acknowledged, %d kills with a mutation in flight%n",
                STORE_KILLS, acknowledgedMutations, acknowledgedRaw, killsWithMutationInFlight);
    }

    @Test
    void sigkillOfTheServingApplianceDuringApiMutations_losesNothingAcknowledged() throws Exception {
        long seed = Long.getLong("crash.seed", System.nanoTime());
        Random random = new Random(seed);
        String password = null;
        Map<String, Boolean> acked = new HashMap<>();
        for (int run = 0; run < HTTP_KILLS; run++) {
            Process p = start("http", run);
            List<String> lines = new CopyOnWriteArrayList<>();
            Thread reader = readLines(p.getInputStream(), lines);
            awaitLine(lines, "READY", p);
            for (String l : lines) {
                if (l.startsWith("PASSWORD ")) {
                    password = l.substring(9);
                }
            }
            int port = Integer.parseInt(lines.stream().filter(l -> l.startsWith("PORT ")).findFirst().orElseThrow().substring(5));
            ApiClient client = new ApiClient(URI.create("http://127.0.0.1:" + port)).login("admin", password);
            AtomicBoolean stop = new AtomicBoolean();
            List<String> ackedThisRun = new CopyOnWriteArrayList<>();
            int runId = run;
            Thread sender = Thread.ofPlatform().start(() -> {
                for (int j = 0; !stop.get() && j < 500; j++) {
                    String id = "h" + runId + "-" + j;
                    try {
                        ApiClient.Response r = client.post("/v1/sites", Fixtures.siteJson(id, 1)
                                .replace("\"10.1.0.0/16\"", "\"fd01:" + Integer.toHexString(runId) + ":" + Integer.toHexString(j) + "::/48\""));
                        if (r.status() == 201) {
                            ackedThisRun.add(id);
                        } else {
                            fail("unexpected " + r.status() + " " + r.body());
                        }
                    } catch (AssertionError e) {
                        return; // the connection died with the process
                    }
                }
            });
            Thread.sleep(50 + random.nextInt(400));
            p.destroyForcibly();
            p.waitFor(30, TimeUnit.SECONDS);
            stop.set(true);
            sender.join(30_000);
            reader.join(10_000);
            try (StateStore store = StateStore.open(CrashWorker.options(dir))) {
                for (String id : ackedThisRun) {
                    assertTrue(store.site(id).isPresent(), "run " + run + " (seed " + seed + "): acknowledged site " + id + " lost");
                    acked.put(id, true);
                }
                for (String id : acked.keySet()) {
                    assertTrue(store.site(id).isPresent(), "acknowledged site " + id + " from an earlier run lost");
                }
            }
        }
        assertTrue(acked.size() > 0, "no API mutation was acknowledged in any run: the test did not test anything");
    }

    private void verifyStoreRun(int run, List<String> lines) {
        assertTrue(lines.contains("READY"), "child never became ready: " + lines);
        List<String[]> acks = new ArrayList<>();
        String[] inFlight = null;
        Map<Long, byte[]> rawAcked = new HashMap<>();
        for (String l : lines) {
            String[] f = l.split(" ");
            switch (f[0]) {
                case "BEGIN" -> inFlight = f;
                case "ACK" -> {
                    acks.add(f);
                    inFlight = null;
                }
                case "RAW" -> rawAcked.put(Long.parseLong(f[3]),
                        CrashWorker.rawPayload(run, Integer.parseInt(f[1]), Integer.parseInt(f[2])));
                default -> {
                }
            }
        }
        for (String[] a : acks) {
            apply(sites, policies, run, Integer.parseInt(a[2]));
        }
        acknowledgedMutations += acks.size();
        acknowledgedRaw += rawAcked.size();
        if (inFlight != null) {
            killsWithMutationInFlight++;
        }
        try (StateStore store = StateStore.open(CrashWorker.options(dir))) {
            Map<String, String> actualSites = new TreeMap<>();
            for (Site s : store.sites()) {
                actualSites.put(s.id(), s.name());
            }
            TreeSet<String> actualPolicies = new TreeSet<>();
            for (Policy p : store.policies()) {
                actualPolicies.add(p.id());
            }
            if (!(actualSites.equals(sites) && actualPolicies.equals(policies))) {
                if (inFlight == null) {
                    fail("state differs from the acknowledged mutations; expected sites " + diff(sites, actualSites)
                            + ", policies expected " + policies + " actual " + actualPolicies);
                }
                Map<String, String> withSites = new TreeMap<>(sites);
                TreeSet<String> withPolicies = new TreeSet<>(policies);
                apply(withSites, withPolicies, run, Integer.parseInt(inFlight[2]));
                assertEquals(withSites, actualSites, "the in-flight mutation " + String.join(" ", inFlight) + " is half-applied");
                assertEquals(withPolicies, actualPolicies, "the in-flight mutation " + String.join(" ", inFlight) + " is half-applied");
                sites.clear();
                sites.putAll(withSites);
                policies.clear();
                policies.addAll(withPolicies);
            }
            Map<Long, byte[]> inLog = new HashMap<>();
            long[] first = {store.log().firstSequence()};
            store.log().replay(Math.max(0, first[0] - 1), (LogRecord r) -> {
                if (r.type() == RecordType.RAW) {
                    inLog.put(r.sequence(), r.payload());
                }
            });
            long maxAcked = rawAcked.keySet().stream().mapToLong(Long::longValue).max().orElse(0);
            assertTrue(store.log().lastSequence() >= maxAcked, "log ends at " + store.log().lastSequence()
                    + " but sequence " + maxAcked + " was acknowledged");
            for (Map.Entry<Long, byte[]> e : rawAcked.entrySet()) {
                if (first[0] > 0 && e.getKey() >= first[0]) {
                    assertArrayEquals(e.getValue(), inLog.get(e.getKey()), "acknowledged raw record " + e.getKey()
                            + " is missing or changed");
                }
            }
        }
    }

    /** The effect of op {@code i} of {@code run} on the expected state; mirrors {@link CrashWorker#apply}. */
    private static void apply(Map<String, String> sites, TreeSet<String> policies, int run, int i) {
        switch (CrashWorker.op(i)) {
            case "create-site" -> sites.put(CrashWorker.siteId(run, i), "Site " + i);
            case "rename-site" -> sites.put(CrashWorker.siteId(run, i - 1), "Renamed " + i);
            case "create-policy" -> policies.add(CrashWorker.policyId(run, i));
            case "delete-site" -> sites.remove(CrashWorker.siteId(run, i - 3));
            default -> policies.remove(CrashWorker.policyId(run, i - 1));
        }
    }

    private static String diff(Map<String, String> expected, Map<String, String> actual) {
        Map<String, String> missing = new TreeMap<>(expected);
        actual.forEach(missing::remove);
        Map<String, String> extra = new TreeMap<>(actual);
        expected.keySet().forEach(extra::remove);
        return "missing " + missing + ", unexpected " + extra;
    }

    private List<String> runAndKill(String mode, int run, int millisAfterReady) throws Exception {
        java.nio.file.Path events = CrashWorker.eventsFile(dir, run);
        Process p = start(mode, run);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (!completeLines(events).contains("READY")) {
            if (!p.isAlive()) {
                fail("child exited with " + p.exitValue() + " before READY");
            }
            if (System.nanoTime() > deadline) {
                p.destroyForcibly();
                fail("child did not become ready within 60 s");
            }
            Thread.sleep(5);
        }
        Thread.sleep(millisAfterReady);
        p.destroyForcibly(); // SIGKILL on Linux
        assertTrue(p.waitFor(30, TimeUnit.SECONDS), "child did not die");
        List<String> lines = completeLines(events);
        java.nio.file.Files.deleteIfExists(events);
        return lines;
    }

    /** The lines of the events file that were written whole: a line the kill cut short is not an acknowledgement. */
    private static List<String> completeLines(java.nio.file.Path events) throws IOException {
        if (!java.nio.file.Files.exists(events)) {
            return List.of();
        }
        String text = java.nio.file.Files.readString(events, StandardCharsets.UTF_8);
        int end = text.lastIndexOf('\n');
        return end < 0 ? List.of() : List.of(text.substring(0, end).split("\n", -1));
    }

    private Process start(String mode, int run) throws IOException {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        List<String> cmd = new ArrayList<>(Arrays.asList(java, "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC", "-Xmx256m",
                "--enable-native-access=ALL-UNNAMED", "--sun-misc-unsafe-memory-access=allow",
                "-cp", System.getProperty("java.class.path"), CrashWorker.class.getName(), dir.toString(), mode,
                Integer.toString(run)));
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.INHERIT);
        if (mode.equals("store")) {
            pb.redirectOutput(ProcessBuilder.Redirect.DISCARD);
        }
        return pb.start();
    }

    /** Reads complete lines only: a line the kill cut short (no newline) is not an acknowledgement. */
    private static Thread readLines(InputStream in, List<String> lines) {
        return Thread.ofPlatform().daemon().start(() -> {
            ByteArrayOutputStream line = new ByteArrayOutputStream();
            try (InputStream buffered = new java.io.BufferedInputStream(in)) {
                int b;
                while ((b = buffered.read()) >= 0) {
                    if (b == '\n') {
                        lines.add(line.toString(StandardCharsets.UTF_8));
                        line.reset();
                    } else {
                        line.write(b);
                    }
                }
            } catch (IOException ignored) {
                // the process died
            }
        });
    }

    private static void awaitLine(List<String> lines, String wanted, Process p) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (!lines.contains(wanted)) {
            if (!p.isAlive()) {
                fail("child exited with " + p.exitValue() + " before " + wanted + "; output: " + lines);
            }
            if (System.nanoTime() > deadline) {
                p.destroyForcibly();
                fail("child did not print " + wanted + " within 60 s; output: " + lines);
            }
            Thread.sleep(5);
        }
    }
}
