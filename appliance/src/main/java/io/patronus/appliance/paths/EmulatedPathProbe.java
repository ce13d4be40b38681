package io.patronus.appliance.paths;

import io.patronus.model.Link;
import io.patronus.model.Site;

import java.time.Instant;
import java.util.SplittableRandom;

/**
 * The in-memory data plane's path measurements, used by the non-root demo and by tests until real tunnels exist:
 * each colour has a typical latency (fibre fast, LTE slow and jittery), with deterministic noise derived from the
 * path and the time slot so that runs are reproducible. Status output names it {@code memory} so nobody mistakes it
 * for measured traffic.
 */
public final class EmulatedPathProbe implements PathProbe {
    @Override
    public String kind() {
        return "memory";
    }

    @Override
    public Measurement measure(Link link, Site remote, Instant now) {
        double base = switch (link.colour()) {
            case "fiber" -> 8;
            case "broadband" -> 18;
            case "mpls" -> 12;
            case "lte", "fivegee" -> 45;
            case "satellite" -> 550;
            default -> 30;
        };
        long slot = now.getEpochSecond() / 5;
        SplittableRandom r = new SplittableRandom((link.colour() + "|" + remote.id()).hashCode() * 31L + slot);
        double jitter = base * 0.05 + r.nextDouble() * base * 0.15;
        double latency = base + (remote.id().hashCode() & 7) + r.nextDouble() * jitter;
        double loss = link.colour().equals("lte") ? r.nextDouble() * 1.5 : r.nextDouble() * 0.2;
        return new Measurement(round(latency), round(loss), round(jitter));
    }

    private static double round(double v) {
        return Math.round(v * 100) / 100.0;
    }
}
