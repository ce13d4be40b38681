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
 * Turns the JMH JSON results of {@link WalAppendBenchmark} (one file per writer count) into the markdown
 * table of docs/PERFORMANCE.md: throughput and p99 per writer count for both stores, and their ratio.
 *
 * <p>Usage: {@code WalBenchReport out.md result-1.json result-4.json ...}
 */
public final class WalBenchReport {

    private record Result(double meanMicros, double p50Micros, double p99Micros, long samples) {
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
            for (JsonNode run : json.readTree(Path.of(args[i]).toFile())) {
                String benchmark = run.get("benchmark").asText();
                String name = benchmark.substring(benchmark.lastIndexOf('.') + 1);
                JsonNode metric = run.get("primaryMetric");
                JsonNode percentiles = metric.get("scorePercentiles");
                long samples = 0;
                for (JsonNode fork : metric.get("rawDataHistogram")) {
                    for (JsonNode iteration : fork) {
                        for (JsonNode bucket : iteration) {
                            samples += bucket.get(1).asLong();
                        }
                    }
                }
                byThreads.computeIfAbsent(run.get("threads").asInt(), t -> new TreeMap<>())
                        .put(name, new Result(metric.get("score").asDouble(), percentiles.get("50.0").asDouble(),
                                percentiles.get("99.0").asDouble(), samples));
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
            if (wal == null || sqlite == null) {
                continue;
            }
            lines.add(String.format(Locale.ROOT, "| %d | %,.0f | %,.0f | %,.0f | %,.0f | %,.0f | %,.0f | %.1fx |",
                    threads, wal.opsPerSecond(threads), wal.p50Micros(), wal.p99Micros(),
                    sqlite.opsPerSecond(threads), sqlite.p50Micros(), sqlite.p99Micros(),
                    wal.opsPerSecond(threads) / sqlite.opsPerSecond(threads)));
        }
        Files.write(Path.of(args[0]), lines);
        lines.forEach(System.out::println);
    }
}
