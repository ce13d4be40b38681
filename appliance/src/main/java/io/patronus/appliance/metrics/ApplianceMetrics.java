package io.patronus.appliance.metrics;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.Measurement;
import io.micrometer.core.instrument.MultiGauge;
import io.micrometer.core.instrument.Tag;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.patronus.model.Path;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import java.util.function.ToDoubleFunction;

/**
 * The appliance's metrics (Micrometer with the Prometheus registry): API requests, store and log activity, and one
 * gauge set per path (health score, latency, loss, jitter) so a fleet's Prometheus can alert on paths directly.
 * Exported as Prometheus text or as JSON by {@code /v1/metrics/export}.
 */
public final class ApplianceMetrics {
    private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    private final MultiGauge pathScore;
    private final MultiGauge pathLatency;
    private final MultiGauge pathLoss;
    private final MultiGauge pathJitter;
    private final MultiGauge pathUp;

    public ApplianceMetrics() {
        new JvmMemoryMetrics().bindTo(registry);
        new JvmThreadMetrics().bindTo(registry);
        new ProcessorMetrics().bindTo(registry);
        pathScore = MultiGauge.builder("patronus_path_health_score").description("Path health score 0-100").register(registry);
        pathLatency = MultiGauge.builder("patronus_path_latency_ms").description("Path round-trip latency").register(registry);
        pathLoss = MultiGauge.builder("patronus_path_loss_pct").description("Path packet loss").register(registry);
        pathJitter = MultiGauge.builder("patronus_path_jitter_ms").description("Path jitter").register(registry);
        pathUp = MultiGauge.builder("patronus_path_up").description("1 when the path is up, 0 when degraded, down or unmeasured").register(registry);
    }

    /** Registers a gauge read from {@code source} on every scrape. */
    public <T> void gauge(String name, String description, T source, ToDoubleFunction<T> value) {
        Gauge.builder(name, source, value).description(description).register(registry);
    }

    public void httpRequest(String route, String method, int status) {
        Counter.builder("patronus_api_requests").tag("route", route).tag("method", method)
                .tag("status", Integer.toString(status)).register(registry).increment();
    }

    public void httpLatency(String route, String method, long nanos) {
        Timer.builder("patronus_api_request_duration").tag("route", route).tag("method", method)
                .register(registry).record(nanos, TimeUnit.NANOSECONDS);
    }

    public void count(String name, String... tags) {
        Counter.builder(name).tags(tags).register(registry).increment();
    }

    /** Replaces the per-path gauges with the current path set (paths that disappeared stop being exported). */
    public void paths(Supplier<List<Path>> paths) {
        List<Path> list = paths.get();
        pathScore.register(rows(list, p -> p.healthScore()), true);
        pathLatency.register(rows(list, Path::latencyMs), true);
        pathLoss.register(rows(list, Path::packetLossPct), true);
        pathJitter.register(rows(list, Path::jitterMs), true);
        pathUp.register(rows(list, p -> p.status() == io.patronus.model.PathStatus.UP ? 1 : 0), true);
    }

    private static List<MultiGauge.Row<?>> rows(List<Path> paths, ToDoubleFunction<Path> f) {
        List<MultiGauge.Row<?>> rows = new ArrayList<>();
        for (Path p : paths) {
            double v = f.applyAsDouble(p);
            rows.add(MultiGauge.Row.of(Tags.of("path", p.id(), "site", p.destinationSite(), "colour", p.colour()), () -> v));
        }
        return rows;
    }

    /** Prometheus text exposition format. */
    public String prometheus() {
        return registry.scrape();
    }

    /** Every meter as {name, type, tags, value} (timers and summaries give count, total and max). */
    public List<Map<String, Object>> json() {
        List<Map<String, Object>> out = new ArrayList<>();
        for (Meter m : registry.getMeters()) {
            Map<String, String> tags = new LinkedHashMap<>();
            for (Tag t : m.getId().getTags()) {
                tags.put(t.getKey(), t.getValue());
            }
            for (Measurement ms : m.measure()) {
                double v = ms.getValue();
                if (Double.isNaN(v) || Double.isInfinite(v)) {
                    continue;
                }
                Map<String, Object> row = new LinkedHashMap<>();
                String suffix = switch (ms.getStatistic()) {
                    case VALUE, COUNT -> m.getId().getType() == Meter.Type.TIMER ? "_count" : "";
                    case TOTAL_TIME -> "_seconds_total";
                    case TOTAL -> "_total";
                    case MAX -> "_max";
                    default -> "_" + ms.getStatistic().name().toLowerCase(java.util.Locale.ROOT);
                };
                row.put("name", m.getId().getName() + suffix);
                row.put("type", m.getId().getType().name().toLowerCase(java.util.Locale.ROOT));
                row.put("tags", tags);
                row.put("value", v);
                out.add(row);
            }
        }
        out.sort(java.util.Comparator.comparing(r -> (String) r.get("name")));
        return out;
    }

    public PrometheusMeterRegistry registry() {
        return registry;
    }
}
