package io.patronus.appliance.probe;

/**
 * A snapshot of one path's measurements, made by {@link PathEstimator}.
 *
 * <p>Counters since the path was added: {@code sent} probes, {@code received} replies in time, {@code lost} probes
 * (no reply in time), {@code late} replies that came after their probe was declared lost (counted lost, their RTT
 * still used), {@code pending} probes in flight. RTT in milliseconds with the reflector's dwell time removed:
 * {@code rttMs} the EWMA (alpha 1/8), {@code rttLastMs} the newest sample, percentiles (nearest rank) over the last
 * {@code rttSamples} samples; {@code jitterMs} the RFC 3550 estimator over round-trip times. {@code lossPct} over the
 * last {@code lossSamples} decided regular probes (answered or lost; extra probes sent while a reply was overdue do
 * not count, see {@link PathEstimator#sentExtra}). The loss streak: {@code consecutiveLost} probes lost in a
 * row with no reply to any later probe, from sequence number {@code lossStreakFirstSeq} to {@code lossStreakLastSeq},
 * sent {@code lossStreakSpanNanos} apart (first to last).
 */
public record PathEstimates(long sent, long received, long lost, long late, int pending,
                            int rttSamples, double rttMs, double rttLastMs, double rttP50Ms, double rttP95Ms, double rttP99Ms,
                            double jitterMs, double lossPct, int lossSamples,
                            int consecutiveLost, long lossStreakFirstSeq, long lossStreakLastSeq, long lossStreakSpanNanos) {
    /** Nothing measured yet. */
    public static final PathEstimates NONE = new PathEstimates(0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0);

    /** True once at least one round trip was measured. */
    public boolean hasRtt() {
        return rttSamples > 0;
    }
}
