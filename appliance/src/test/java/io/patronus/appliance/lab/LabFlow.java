package io.patronus.appliance.lab;

import com.fasterxml.jackson.databind.JsonNode;
import io.patronus.model.Json;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * A UDP flow between two lab LAN hosts with scripts/udpflow: per datagram the send time (sender) and the
 * arrival time and DSCP (receiver), on CLOCK_MONOTONIC like {@link System#nanoTime()}.
 */
final class LabFlow {
    /** One datagram: when it was sent and, if it arrived, when and with which DSCP. */
    record Datagram(long seq, long sentNs, boolean arrived, int dscp, long receivedNs) {
    }

    private final Lab lab;
    private final Path dir;
    private final Process receiver;
    private final Path recvLog;
    private final Path sendLog;

    private LabFlow(Lab lab, Path dir, Process receiver, Path recvLog, Path sendLog) {
        this.lab = lab;
        this.dir = dir;
        this.receiver = receiver;
        this.recvLog = recvLog;
        this.sendLog = sendLog;
    }

    static Path script() {
        return Lab.scriptPath().resolveSibling("udpflow");
    }

    /** Starts a receiver on site {@code to}'s LAN host; returns once it listens. */
    static LabFlow listen(Lab lab, Path dir, int to, int port, double seconds) throws IOException {
        Path recvLog = Files.createTempFile(dir, "recv-", ".log");
        Path sendLog = Files.createTempFile(dir, "send-", ".log");
        Process p = new ProcessBuilder(Lab.scriptPath().toString(), "exec", lab.name(), to + "-lan", "python3",
                script().toString(), "recv", "--bind", "100.64." + to + ".10", "--port", Integer.toString(port),
                "--duration", Double.toString(seconds), "--idle", "3", "--log", recvLog.toString())
                .redirectErrorStream(true).start();
        BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
        String first = r.readLine();
        if (first == null || !first.contains("listening")) {
            p.destroyForcibly();
            throw new IllegalStateException("udpflow receiver did not start: " + first);
        }
        return new LabFlow(lab, dir, p, recvLog, sendLog);
    }

    /** Sends from site {@code from}'s LAN host; blocks until the sender is done. */
    void send(int from, int to, int port, int rate, int count, int size, int dscp) {
        Lab.Result r = lab.exec(from + "-lan", "python3", script().toString(), "send", "--dst", "100.64." + to + ".10",
                "--port", Integer.toString(port), "--rate", Integer.toString(rate), "--count", Integer.toString(count),
                "--size", Integer.toString(size), "--dscp", Integer.toString(dscp), "--log", sendLog.toString());
        if (r.exitCode() != 0) {
            throw new IllegalStateException("udpflow send failed: " + r.output());
        }
    }

    /** Sends in the background; join the thread before {@link #finish()}. */
    Thread sendAsync(int from, int to, int port, int rate, int count, int size, int dscp) {
        return Thread.ofPlatform().start(() -> send(from, to, port, rate, count, size, dscp));
    }

    /** Waits for the receiver to stop (idle or duration) and joins both logs by sequence number. */
    List<Datagram> finish() throws IOException, InterruptedException {
        if (!receiver.waitFor(120, TimeUnit.SECONDS)) {
            receiver.destroyForcibly();
            throw new IllegalStateException("udpflow receiver did not stop");
        }
        Map<Long, long[]> got = new HashMap<>();
        for (String line : Files.readAllLines(recvLog)) {
            String[] f = line.split(" ");
            got.putIfAbsent(Long.parseLong(f[0]), new long[] {Long.parseLong(f[1]), Long.parseLong(f[2])});
        }
        List<Datagram> out = new ArrayList<>();
        for (String line : Files.readAllLines(sendLog)) {
            String[] f = line.split(" ");
            long seq = Long.parseLong(f[0]);
            long[] g = got.get(seq);
            out.add(new Datagram(seq, Long.parseLong(f[1]), g != null, g == null ? -1 : (int) g[0], g == null ? 0 : g[1]));
        }
        return out;
    }

    static JsonNode json(String text) throws IOException {
        return Json.mapper().readTree(text);
    }
}
