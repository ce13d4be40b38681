package io.patronus.appliance.paths;

import io.patronus.model.PathStatus;

import java.nio.ByteBuffer;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Health history per path: raw samples for the recent past and one-minute aggregates for the long term, in the
 * store's MapDB tree ({@code history.db}), in a space fixed per path by the two retentions.
 *
 * <h2>What is kept</h2>
 * <ul>
 *   <li><b>Raw samples</b> for {@code rawRetention} (default 1 h), at most one per path per {@code rawInterval}
 *   (default 5 s, so 720 per path-hour whatever the probe rate): of the samples recorded in one interval, the worst
 *   (worse status, then lower score) is kept, so a short outage still shows in the raw view.</li>
 *   <li><b>One-minute aggregates</b> for {@code aggregateRetention} (default 90 days), folded from <em>every</em>
 *   recorded sample, not only the kept raw ones: count, latency min/avg/p95/max, loss avg/max, jitter avg, score
 *   min/avg, the worst status and the time spent in each status.</li>
 * </ul>
 *
 * <h2>Why rings</h2>
 * Keys that grow with time (one new key per sample, the oldest deleted: the layout of the first version) grow the
 * MapDB file forever even when the number of entries is constant, apparently because its B-tree keeps the leaves
 * that deletes empty while new keys always need new leaves: measured with 100 paths and a constant 7,200 entries, the file went from 5 MB to 11.5 MB over
 * 400,000 samples, about 15 bytes each, which for 1,000 paths kept every 5 s is 260 MB a day. So each path has two
 * rings with a fixed set of keys, overwritten in place: raw slot {@code (at / rawInterval) mod rawSlots} and
 * aggregate slot {@code (blockStart / 10 min) mod blockSlots}, each ring one retention long plus one
 * slot. The tree and the file then stop growing once the rings are full; {@code PathHistoryBoundedSizeTest} checks it.
 *
 * <h2>Keys</h2>
 * One path's entries all start with {@code pathId|} (path ids never contain {@code |}), so one path is one range:
 * <pre>
 * pathId|000001763884800000   a raw sample of the first version (time keyed): still read, pruned, never written
 * pathId|l                    8 bytes: epoch millis of the path's last sample, written when a minute closes
 * pathId|m|0000042            aggregate ring slot 42: an {@link AggregateBlock} of 10 minutes, which carries its start
 * pathId|r|0000042            raw ring slot 42: a 41-byte {@link PathSample}, which carries its time
 * </pre>
 * Because a slot may still hold an older lap, every read checks the time a value carries against the window and the
 * retention, so retention is exact when reading; the space of an expired value is reused when its slot comes round.
 *
 * <h2>How a minute is written, and what a crash loses</h2>
 * The samples of a path's current minute are folded in memory; the minute is written into its block when a sample
 * of a later minute arrives, or by {@link #flush(Instant)} once the minute is over (which {@link #prune} does, so a
 * path that stops being probed still gets its last minute). A sample for a minute already written (a clock step
 * back, a late probe, a restart within a minute) is merged into the stored minute. Every change is a single put or
 * remove of a whole entry, and the store commits the tree atomically at each checkpoint (MapDB transactions), so a
 * crash loses at most what was recorded since the last checkpoint and the minute that was open; it cannot leave a
 * half-written entry. A block that cannot be decoded reads as empty and is replaced by the next write.
 *
 * <h2>Pruning</h2>
 * Values past their retention are invisible at once and overwritten in place as their ring comes round, so an
 * active path needs no deletes. {@link #prune} (at most once a minute) deletes what no ring will overwrite: the
 * raw ring of a path without a sample for {@code rawRetention}, everything of a path without a sample for
 * {@code aggregateRetention}, slots beyond a ring that a smaller retention shortened, and first-version raw samples
 * past the raw retention. It reads one marker per path, never scans the history.
 *
 * <h2>Size</h2>
 * A path holds at most {@code rawRetention / rawInterval + 1} raw entries (a 37-byte key and a 41-byte value for the
 * usual path ids) and {@code aggregateRetention / 10 min + 1} blocks (a 37-byte key and up to 251 bytes), plus its
 * marker: at the defaults 721 + 12,961 + 1 entries and 3.8 MB of keys and values. Measured on a real file after a
 * simulated 90 days of 1,000 paths: 13,683,000 entries in 5.2 GB (5.2 MB per path with MapDB's overhead). The size
 * is linear in paths and in {@code aggregateRetention}; {@code PathHistoryBoundedSizeTest} checks the bound.
 *
 * <h2>Queries</h2>
 * {@link #query} answers raw samples when the window starts within the raw history, and otherwise the stored
 * minutes, followed by the raw samples of the minute not yet aggregated. When that is more than {@code maxPoints}
 * (default {@value #DEFAULT_MAX_POINTS}) points, they are folded into the narrowest of 10 s, 15 s, 30 s, 1 m, 2 m,
 * 5 m, 10 m, 15 m, 30 m, 1 h, 2 h, 3 h, 6 h, 12 h, 1 d, 2 d, 7 d, 30 d (doubling beyond) buckets that fits, while
 * reading, so a 90-day query holds at most {@code maxPoints} buckets in memory. A query reads the path's whole raw
 * ring, and its whole aggregate ring when the window reaches past the raw history (a 90-day ring is about 3 MB).
 *
 * <h2>Threads</h2>
 * {@link #record}, {@link #prune}, {@link #flush} and {@link #flushOpenMinutes} serialise on one lock (the probe loop
 * calls them); {@link #query}, {@link #range}, {@link #contains} and {@link #size} read the tree without it and may
 * run from any thread: they see each entry either before or after a change, never half of it.
 */
public final class PathHistory {
    public static final Duration DEFAULT_AGGREGATE_RETENTION = Duration.ofDays(90);
    public static final Duration DEFAULT_RAW_INTERVAL = Duration.ofSeconds(5);
    public static final int DEFAULT_MAX_POINTS = 2000;
    /** How long a sample stands for when counting the time spent in each status: until the next one, at most this. */
    public static final Duration SAMPLE_HOLD = Duration.ofSeconds(10);

    /** A window "starts within the raw history" when its oldest raw sample is at most this much after its start. */
    static final long RAW_COVER_SLACK = Duration.ofMinutes(1).toMillis();
    /** The latest instant the history handles (15 digits of milliseconds, the year 33658). */
    static final long MAX_MILLIS = 999_999_999_999_999L;
    static final int MAX_SLOTS = 9_999_999;
    private static final long MINUTE = MinuteAccumulator.MILLIS;
    private static final long HOLD = SAMPLE_HOLD.toMillis();
    private static final long[] LADDER = {10_000, 15_000, 30_000, MINUTE, 2 * MINUTE, 5 * MINUTE, 10 * MINUTE,
            15 * MINUTE, 30 * MINUTE, 60 * MINUTE, 120 * MINUTE, 180 * MINUTE, 360 * MINUTE, 720 * MINUTE,
            1440 * MINUTE, 2880 * MINUTE, 7 * 1440 * MINUTE, 30 * 1440 * MINUTE};
    private static final System.Logger LOG = System.getLogger(PathHistory.class.getName());

    private final NavigableMap<String, byte[]> map;
    private final Duration rawRetention;
    private final Duration aggregateRetention;
    private final Duration rawInterval;
    private final Clock clock;
    private final int rawSlots;
    private final int blockSlots;
    private final ReentrantLock lock = new ReentrantLock();
    private final Map<String, PathState> states = new HashMap<>();
    private final Set<String> known = new TreeSet<>();
    private final Set<String> unchecked = new TreeSet<>();
    private long prunedAt = Long.MIN_VALUE;

    /** What the history knows about one path between calls. Guarded by {@link #lock}. */
    private static final class PathState {
        MinuteAccumulator open;
        long lastClosedMinute = Long.MIN_VALUE;
        long lastAt = Long.MIN_VALUE;
        PathStatus lastStatus;
        long heldUntil = Long.MIN_VALUE;
        long rawSlot = Long.MIN_VALUE;
        PathSample rawSample;
    }

    /**
     * The history of the first version's callers: raw samples kept for {@code rawRetention}, aggregates for
     * {@link #DEFAULT_AGGREGATE_RETENTION}, one raw sample per path per {@link #DEFAULT_RAW_INTERVAL}, the system
     * clock for retention.
     */
    public PathHistory(NavigableMap<String, byte[]> map, Duration rawRetention) {
        this(map, rawRetention, DEFAULT_AGGREGATE_RETENTION, DEFAULT_RAW_INTERVAL, Clock.systemUTC());
    }

    /** A history with the configuration's retentions ({@code history.rawRetention}, {@code history.aggregateRetention}). */
    public PathHistory(NavigableMap<String, byte[]> map, Duration rawRetention, Duration aggregateRetention, Clock clock) {
        this(map, rawRetention, aggregateRetention, DEFAULT_RAW_INTERVAL, clock);
    }

    /**
     * @param map                the store's history tree ({@code StateStore.historyMap()}), or any sorted map in tests
     * @param rawRetention       how long raw samples are kept, at least a minute
     * @param aggregateRetention how long one-minute aggregates are kept, at least a minute
     * @param rawInterval        at most one raw sample per path per this interval is kept; from 1 ms to rawRetention
     * @param clock              "now" for the retentions when reading
     * @throws IllegalArgumentException naming the value that is out of range
     */
    public PathHistory(NavigableMap<String, byte[]> map, Duration rawRetention, Duration aggregateRetention,
                       Duration rawInterval, Clock clock) {
        this.map = Objects.requireNonNull(map, "map");
        this.clock = Objects.requireNonNull(clock, "clock");
        this.rawRetention = atLeastAMinute("rawRetention", rawRetention);
        this.aggregateRetention = atLeastAMinute("aggregateRetention", aggregateRetention);
        if (rawInterval.toMillis() < 1 || rawInterval.compareTo(rawRetention) > 0) {
            throw new IllegalArgumentException("rawInterval must be from 1ms to rawRetention (" + rawRetention
                    + "), was " + rawInterval);
        }
        this.rawInterval = rawInterval;
        this.rawSlots = slots("rawRetention / rawInterval", rawRetention.toMillis(), rawInterval.toMillis());
        this.blockSlots = slots("aggregateRetention / 10m", aggregateRetention.toMillis(), AggregateBlock.MILLIS);
        discoverPaths();
    }

    private static Duration atLeastAMinute(String name, Duration d) {
        if (d.compareTo(Duration.ofMinutes(1)) < 0) {
            throw new IllegalArgumentException(name + " must be at least 1m, was " + d);
        }
        return d;
    }

    /** One retention's worth of slots, plus one so that the oldest value still due is not overwritten early. */
    private static int slots(String what, long retention, long each) {
        long n = Math.ceilDiv(retention, each) + 1;
        if (n > MAX_SLOTS) {
            throw new IllegalArgumentException(what + " must be at most " + (MAX_SLOTS - 1) + ", was " + (n - 1));
        }
        return (int) n;
    }

    /** Finds the paths already in the tree with one seek each, so that pruning covers paths no longer probed. */
    private void discoverPaths() {
        String k = map.isEmpty() ? null : map.firstKey();
        while (k != null) {
            int bar = k.indexOf('|');
            if (bar <= 0) {
                k = map.higherKey(k);
                continue;
            }
            String pathId = k.substring(0, bar);
            known.add(pathId);
            unchecked.add(pathId);
            k = map.ceilingKey(pathId + "}");
        }
    }

    public Duration rawRetention() {
        return rawRetention;
    }

    public Duration aggregateRetention() {
        return aggregateRetention;
    }

    public Duration rawInterval() {
        return rawInterval;
    }

    // ---- writing -------------------------------------------------------------------------------------------------

    /**
     * Records one sample of {@code pathId}: folds it into the path's current minute and keeps it as a raw sample
     * unless a sample at least as bad is already kept for its raw interval. Thread-safe (takes the writers' lock).
     *
     * @throws IllegalArgumentException when the path id is empty or contains {@code |}
     */
    public void record(String pathId, PathSample sample) {
        checkId(pathId);
        long t = millis(sample.at());
        lock.lock();
        try {
            known.add(pathId);
            PathState st = states.computeIfAbsent(pathId, k -> new PathState());
            keepRaw(pathId, st, sample, t);
            fold(pathId, st, sample, t);
        } finally {
            lock.unlock();
        }
    }

    private void keepRaw(String pathId, PathState st, PathSample sample, long t) {
        long slot = Math.floorDiv(t, rawInterval.toMillis());
        String key = rawKey(pathId, rawSlot(t));
        if (slot == st.rawSlot) {
            if (worse(sample, st.rawSample)) {
                map.put(key, sample.encode());
                st.rawSample = sample;
            }
            return;
        }
        if (slot < st.rawSlot) {
            // Late: keep it only over an older lap or a better sample of the same interval.
            byte[] held = map.get(key);
            if (held != null && held.length == PathSample.SIZE) {
                PathSample h = PathSample.decode(held);
                if (Math.floorDiv(millis(h.at()), rawInterval.toMillis()) >= slot && !worse(sample, h)) {
                    return;
                }
            }
            map.put(key, sample.encode());
            return;
        }
        map.put(key, sample.encode());
        st.rawSlot = slot;
        st.rawSample = sample;
    }

    private static boolean worse(PathSample a, PathSample b) {
        int sa = HistoryPoint.severity(a.status());
        int sb = HistoryPoint.severity(b.status());
        return sa > sb || sa == sb && a.healthScore() < b.healthScore();
    }

    private void fold(String pathId, PathState st, PathSample sample, long t) {
        long minute = Math.floorDiv(t, MINUTE) * MINUTE;
        if (st.open != null ? minute < st.open.start() : minute <= st.lastClosedMinute) {
            MinuteAccumulator late = new MinuteAccumulator(minute);
            late.add(sample);
            writeMinute(pathId, late.toPoint());
            return;
        }
        if (st.open != null && minute > st.open.start()) {
            close(pathId, st, st.open.end());
        }
        if (st.open == null) {
            st.open = new MinuteAccumulator(minute);
        }
        hold(st, t);
        st.open.add(sample);
        if (t >= st.lastAt) {
            st.lastAt = t;
            st.lastStatus = sample.status();
            st.heldUntil = Math.max(st.heldUntil, t);
        }
    }

    /** Counts the time from where it was counted up to {@code upTo} (at most {@link #SAMPLE_HOLD} after the last sample). */
    private static void hold(PathState st, long upTo) {
        if (st.lastStatus == null || st.open == null) {
            return;
        }
        long from = Math.max(st.heldUntil, st.open.start());
        long to = Math.min(Math.min(upTo, st.open.end()), st.lastAt + HOLD);
        if (to > from) {
            st.open.addTime(st.lastStatus, to - from);
            st.heldUntil = to;
        }
    }

    private void close(String pathId, PathState st, long upTo) {
        hold(st, upTo);
        writeMinute(pathId, st.open.toPoint());
        map.put(markerKey(pathId), ByteBuffer.allocate(8).putLong(st.lastAt).array());
        st.lastClosedMinute = st.open.start();
        st.open = null;
    }

    private void writeMinute(String pathId, HistoryPoint minute) {
        long block = AggregateBlock.blockStart(minute.at().toEpochMilli());
        String key = blockKey(pathId, blockSlot(block));
        byte[] old = map.get(key);
        if (old != null && old.length > 0 && !AggregateBlock.readable(old)) {
            LOG.log(System.Logger.Level.WARNING, "path history block " + key + " is unreadable ("
                    + old.length + " bytes); replacing it");
        }
        map.put(key, AggregateBlock.put(old == null ? AggregateBlock.EMPTY : old, block, minute));
    }

    /** Writes the aggregate of every open minute that ended at or before {@code now}. Thread-safe. */
    public void flush(Instant now) {
        long t = millis(now);
        lock.lock();
        try {
            flushLocked(t);
        } finally {
            lock.unlock();
        }
    }

    private void flushLocked(long t) {
        states.forEach((pathId, st) -> {
            if (st.open != null && st.open.end() <= t) {
                close(pathId, st, st.open.end());
            }
        });
    }

    /**
     * Writes every open minute as it is now, partial minutes included; call before the store closes so that a
     * restart loses nothing (a minute continued after the restart is merged into the stored one). Thread-safe.
     */
    public void flushOpenMinutes() {
        long now = millis(clock.instant());
        lock.lock();
        try {
            states.forEach((pathId, st) -> {
                if (st.open != null) {
                    close(pathId, st, Math.min(now, st.open.end()));
                }
            });
        } finally {
            lock.unlock();
        }
    }

    /**
     * Writes the minutes that ended at or before {@code now}; at most once a minute, also deletes what no ring will
     * overwrite (see the class comment); returns how many entries it deleted. Cheap enough to call after every probe
     * round: one marker read per path a minute. Thread-safe.
     */
    public int prune(Instant now) {
        long t = millis(now);
        lock.lock();
        try {
            flushLocked(t);
            if (prunedAt != Long.MIN_VALUE && t - prunedAt < MINUTE && t >= prunedAt) {
                return 0;
            }
            prunedAt = t;
            int removed = 0;
            for (String pathId : unchecked) {
                // Slots beyond the rings, left by a longer retention before this start.
                removed += removeRange(rawKey(pathId, rawSlots), pathId + "|r}");
                removed += removeRange(blockKey(pathId, blockSlots), pathId + "|m}");
            }
            unchecked.clear();
            long rawCutoff = t - rawRetention.toMillis();
            long aggregateCutoff = t - aggregateRetention.toMillis();
            List<String> gone = new ArrayList<>();
            for (String pathId : known) {
                removed += removeRange(legacyKey(pathId, 0), legacyKey(pathId, rawCutoff));
                PathState st = states.get(pathId);
                long last = st != null && st.lastAt != Long.MIN_VALUE ? st.lastAt : lastSample(pathId);
                if (last < aggregateCutoff) {
                    removed += removeRange(pathId + "|", pathId + "}");
                    gone.add(pathId);
                } else if (last < rawCutoff) {
                    removed += removeRange(rawKey(pathId, 0), pathId + "|r}");
                }
            }
            gone.forEach(p -> {
                known.remove(p);
                states.remove(p);
            });
            return removed;
        } finally {
            lock.unlock();
        }
    }

    /** The time of the path's last sample from its marker, or its newest first-version sample; 0 when neither. */
    private long lastSample(String pathId) {
        byte[] v = map.get(markerKey(pathId));
        long last = v != null && v.length == 8 ? ByteBuffer.wrap(v).getLong() : 0;
        String legacy = map.lowerKey(pathId + "|:");
        if (legacy != null && legacy.startsWith(pathId + "|") && legacy.length() == pathId.length() + 16
                && Character.isDigit(legacy.charAt(pathId.length() + 1))) {
            last = Math.max(last, Long.parseLong(legacy.substring(pathId.length() + 1)));
        }
        return last;
    }

    private int removeRange(String from, String to) {
        if (from.compareTo(to) >= 0) {
            return 0;
        }
        List<String> keys = new ArrayList<>(map.subMap(from, true, to, false).keySet());
        keys.forEach(map::remove);
        return keys.size();
    }

    // ---- reading -------------------------------------------------------------------------------------------------

    /** The raw samples of {@code pathId} within the raw retention with {@code since <= at <= until}, oldest first. Thread-safe. */
    public List<PathSample> range(String pathId, Instant since, Instant until) {
        checkId(pathId);
        if (until.isBefore(since)) {
            return List.of();
        }
        long s = millis(since);
        long u = millis(until);
        return rawSamples(pathId, millis(clock.instant()) - rawRetention.toMillis()).stream()
                .filter(x -> millis(x.at()) >= s && millis(x.at()) <= u).toList();
    }

    /** The path's raw samples not older than {@code floor}, from its ring and first-version keys, oldest first. */
    private List<PathSample> rawSamples(String pathId, long floor) {
        List<PathSample> out = new ArrayList<>();
        for (byte[] v : map.subMap(legacyKey(pathId, floor), true, pathId + "|:", false).values()) {
            out.add(PathSample.decode(v));
        }
        for (byte[] v : map.subMap(rawKey(pathId, 0), true, pathId + "|r}", false).values()) {
            if (v.length == PathSample.SIZE) {
                PathSample s = PathSample.decode(v);
                if (millis(s.at()) >= floor) {
                    out.add(s);
                }
            }
        }
        out.sort(Comparator.comparing(PathSample::at));
        return out;
    }

    /** {@link #query(String, Instant, Instant, int)} with at most {@value #DEFAULT_MAX_POINTS} points. */
    public HistoryWindow query(String pathId, Instant since, Instant until) {
        return query(pathId, since, until, DEFAULT_MAX_POINTS);
    }

    /**
     * The history of {@code pathId} in {@code [since, until]}, oldest first, at most {@code maxPoints} points: raw
     * samples when the window starts within the raw history, else one-minute aggregates followed by the raw samples
     * not yet aggregated, folded into wider buckets when there would be more than {@code maxPoints}. Thread-safe.
     *
     * @throws IllegalArgumentException when {@code until} is before {@code since}, {@code maxPoints} is below 1 or
     *                                  the path id is empty or contains {@code |}
     */
    public HistoryWindow query(String pathId, Instant since, Instant until, int maxPoints) {
        checkId(pathId);
        if (maxPoints < 1) {
            throw new IllegalArgumentException("maxPoints must be at least 1, was " + maxPoints);
        }
        if (until.isBefore(since)) {
            throw new IllegalArgumentException("until (" + until + ") is before since (" + since + ")");
        }
        long s = millis(since);
        long u = millis(until);
        long now = millis(clock.instant());
        List<PathSample> raw = rawSamples(pathId, now - rawRetention.toMillis());
        long newest = raw.isEmpty() ? now : Math.max(now, millis(raw.getLast().at()));
        Folder folder = new Folder(maxPoints, Math.max(s, Math.min(u, newest)));
        long tailFrom = s;
        if (raw.isEmpty() || millis(raw.getFirst().at()) > s + RAW_COVER_SLACK) {
            // Minutes overlapping the window and within the aggregate retention.
            long from = Math.max(s - MINUTE + 1, now - aggregateRetention.toMillis());
            List<byte[]> blocks = new ArrayList<>();
            for (byte[] b : map.subMap(blockKey(pathId, 0), true, pathId + "|m}", false).values()) {
                if (AggregateBlock.readable(b) && AggregateBlock.start(b) + AggregateBlock.MILLIS > from
                        && AggregateBlock.start(b) <= u) {
                    blocks.add(b);
                }
            }
            blocks.sort(Comparator.comparingLong(AggregateBlock::start));
            for (byte[] b : blocks) {
                for (HistoryPoint m : AggregateBlock.decode(b)) {
                    long at = m.at().toEpochMilli();
                    if (at >= from && at <= u) {
                        folder.add(m);
                        tailFrom = Math.max(tailFrom, at + MINUTE);
                    }
                }
            }
        }
        for (PathSample x : raw) {
            long at = millis(x.at());
            if (at >= tailFrom && at <= u) {
                folder.add(HistoryPoint.of(x));
            }
        }
        return folder.window(pathId, since, until);
    }

    /** Whether the history holds anything for {@code pathId} (a path removed since keeps its history). Thread-safe. */
    public boolean contains(String pathId) {
        if (pathId.isEmpty() || pathId.indexOf('|') >= 0) {
            return false;
        }
        String k = map.ceilingKey(pathId + "|");
        return k != null && k.startsWith(pathId + "|");
    }

    /**
     * Entries in the tree: raw samples, aggregate blocks and markers. MapDB counts them one by one (seconds for a
     * full history of 1,000 paths): for tests and diagnostics; {@link #entryBound()} is free.
     */
    public long size() {
        return map.size();
    }

    /** How many paths the history holds or records. Thread-safe. */
    public int pathCount() {
        lock.lock();
        try {
            return known.size();
        } finally {
            lock.unlock();
        }
    }

    /** The most entries the current paths can take: per path a full raw ring, a full aggregate ring and a marker. */
    public long entryBound() {
        return (long) pathCount() * (rawSlots + blockSlots + 1);
    }

    // ---- keys ----------------------------------------------------------------------------------------------------

    /** The raw ring slot of a sample taken at {@code millis}. */
    int rawSlot(long millis) {
        return Math.floorMod(Math.floorDiv(millis, rawInterval.toMillis()), rawSlots);
    }

    /** The aggregate ring slot of the block starting at {@code blockStart}. */
    int blockSlot(long blockStart) {
        return Math.floorMod(Math.floorDiv(blockStart, AggregateBlock.MILLIS), blockSlots);
    }

    int rawSlots() {
        return rawSlots;
    }

    int blockSlots() {
        return blockSlots;
    }

    static String rawKey(String pathId, int slot) {
        return pathId + "|r|" + pad(slot, 7);
    }

    static String blockKey(String pathId, int slot) {
        return pathId + "|m|" + pad(slot, 7);
    }

    static String markerKey(String pathId) {
        return pathId + "|l";
    }

    /** The key of a first-version raw sample. */
    static String legacyKey(String pathId, long millis) {
        return pathId + "|" + pad(Math.clamp(millis, 0, MAX_MILLIS), 15);
    }

    private static String pad(long n, int digits) {
        String s = Long.toString(n);
        return "0".repeat(Math.max(0, digits - s.length())) + s;
    }

    /** Epoch milliseconds, clamped to what the history handles (before 1970 is 1970). */
    static long millis(Instant i) {
        if (i.getEpochSecond() < 0) {
            return 0;
        }
        if (i.getEpochSecond() >= MAX_MILLIS / 1000) {
            return MAX_MILLIS;
        }
        return i.toEpochMilli();
    }

    private static void checkId(String pathId) {
        if (pathId.isEmpty() || pathId.indexOf('|') >= 0) {
            throw new IllegalArgumentException("path id must be non-empty and without '|', was '" + pathId + "'");
        }
    }

    /**
     * Collects a query's points, at most {@code maxPoints}: as they are while they fit, else folded into buckets of
     * the narrowest ladder width that fits between the first point and the end of the data, re-folding what it
     * collected so far when it switches.
     */
    private static final class Folder {
        private final int maxPoints;
        private final long end;
        private final List<HistoryPoint> asStored = new ArrayList<>();
        private final TreeMap<Long, Bucket> buckets = new TreeMap<>();
        private long width;
        private long widest;
        private long first = Long.MIN_VALUE;

        Folder(int maxPoints, long end) {
            this.maxPoints = maxPoints;
            this.end = end;
        }

        void add(HistoryPoint p) {
            long at = p.at().toEpochMilli();
            if (first == Long.MIN_VALUE) {
                first = at;
            }
            widest = Math.max(widest, p.width().toMillis());
            if (width == 0) {
                asStored.add(p);
                if (asStored.size() > maxPoints) {
                    refold(widest);
                }
            } else {
                if (p.width().toMillis() > width) {
                    refold(p.width().toMillis());
                }
                bucket(p, at);
            }
        }

        private void refold(long atLeast) {
            width = choose(Math.min(first, end), Math.max(first, end), Math.max(atLeast, width));
            List<HistoryPoint> again = new ArrayList<>(asStored);
            asStored.clear();
            buckets.values().forEach(b -> again.add(b.toPoint()));
            buckets.clear();
            again.sort(Comparator.comparing(HistoryPoint::at));
            again.forEach(p -> bucket(p, p.at().toEpochMilli()));
        }

        private void bucket(HistoryPoint p, long at) {
            long start = Math.floorDiv(at, width) * width;
            buckets.computeIfAbsent(start, b -> new Bucket(b, Duration.ofMillis(width))).add(p);
        }

        private long choose(long from, long to, long atLeast) {
            for (long w : LADDER) {
                if (w >= atLeast && Math.floorDiv(to, w) - Math.floorDiv(from, w) + 1 <= maxPoints) {
                    return w;
                }
            }
            long w = Math.max(atLeast, LADDER[LADDER.length - 1]);
            while (Math.floorDiv(to, w) - Math.floorDiv(from, w) + 1 > maxPoints) {
                w *= 2;
            }
            return w;
        }

        HistoryWindow window(String pathId, Instant since, Instant until) {
            if (width == 0) {
                return new HistoryWindow(pathId, since, until, Duration.ofMillis(widest), false, maxPoints, asStored);
            }
            List<HistoryPoint> out = new ArrayList<>(buckets.size());
            buckets.values().forEach(b -> out.add(b.toPoint()));
            return new HistoryWindow(pathId, since, until, Duration.ofMillis(width), true, maxPoints, out);
        }
    }
}
