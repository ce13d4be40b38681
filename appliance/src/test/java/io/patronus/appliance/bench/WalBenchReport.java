package io.patronus.appliance.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * Turns the JMH JSON results of {@link WalAppendBenchmark} (one file per writer count) into the markdown tables
 * of docs/PERFORMANCE.md: throughput and latency per writer count for both stores and their ratio, and, from
 * {@code result-vt-*.json} files, the log with virtual-thread writers against the same SQLite numbers.
 *
 * <p>Usage: {@code WalBenchReport out.md result-1.json result-vt-1.json ...}
 */
public final class WalBenchReport {
    private static final String VIRTUAL = "walAppend (virtual threads)";

    private record Result(double meanMicros, double p50Micros, double p99Micros) {
        double opsPerSecond(int threads) {
            return threads * 1_000_000.0 / meanMicros;
        }
    }

    private WalBenchReport() {
    }

    public static void main(String[] args) throws IOException {
        ObjectMapper json = new ObjectMapper();
        Map<Integer, Map<String, Result>> byThreads = new TreeMap<>();
        for (int i = 1; i < args.length; i++) {
            boolean virtual = Path.of(args[i]).getFileName().toString().startsWith("result-vt-");
            for (JsonNode run : json.readTree(Path.of(args[i]).toFile())) {
                String benchmark = run.get("benchmark").asText();
                String name = benchmark.substring(benchmark.lastIndexOf('.') + 1);
                JsonNode metric = run.get("primaryMetric");
                JsonNode percentiles = metric.get("scorePercentiles");
                byThreads.computeIfAbsent(run.get("threads").asInt(), t -> new TreeMap<>())
                        .put(virtual ? VIRTUAL : name, new Result(metric.get("score").asDouble(),
                                percentiles.get("50.0").asDouble(), percentiles.get("99.0").asDouble()));
            }
        }
        List<String> lines = new ArrayList<>();
        lines.add("| writers | WAL appends/s | WAL p50 (µs) | WAL p99 (µs) | SQLite inserts/s | SQLite p50 (µs)"
                + " | SQLite p99 (µs) | throughput ratio |");
        lines.add("|---:|---:|---:|---:|---:|---:|---:|---:|");
        for (Map.Entry<Integer, Map<String, Result>> entry : byThreads.entrySet()) {
            int threads = entry.getKey();
            Result wal = entry.getValue().get("walAppend");
            Result sqlite = entry.getValue().get("sqliteInsert");
            if (wal != null && sqlite != null) {
                lines.add(String.format(Locale.ROOT, "| %d | %,.0f | %,.0f | %,.0f | %,.0f | %,.0f | %,.0f | %.1fx |",
                        threads, wal.opsPerSecond(threads), wal.p50Micros(), wal.p99Micros(),
                        sqlite.opsPerSecond(threads), sqlite.p50Micros(), sqlite.p99Micros(),
                        wal.opsPerSecond(threads) / sqlite.opsPerSecond(threads)));
            }
        }
        if (byThreads.values().stream().anyMatch(results -> results.containsKey(VIRTUAL))) {
            lines.add("");
            lines.add("Log only, virtual-thread writers (as Helidon handlers call it), against the SQLite numbers above:");
            lines.add("");
            lines.add("| writers | WAL appends/s | WAL p50 (µs) | WAL p99 (µs) | ratio to SQLite |");
            lines.add("|---:|---:|---:|---:|---:|");
            for (Map.Entry<Integer, Map<String, Result>> entry : byThreads.entrySet()) {
                int threads = entry.getKey();
                Result wal = entry.getValue().get(VIRTUAL);
                Result sqlite = entry.getValue().get("sqliteInsert");
                if (wal != null) {
                    lines.add(String.format(Locale.ROOT, "| %d | %,.0f | %,.0f | %,.0f | %s |", threads,
                            wal.opsPerSecond(threads), wal.p50Micros(), wal.p99Micros(), sqlite == null ? "-"
                                    : String.format(Locale.ROOT, "%.1fx",
                                    wal.opsPerSecond(threads) / sqlite.opsPerSecond(threads))));
                }
            }
        }
        Files.write(Path.of(args[0]), lines);
        lines.forEach(System.out::println);
    }
}
