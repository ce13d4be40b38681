package io.patronus.appliance.events;

import com.fasterxml.jackson.core.JsonProcessingException;
import io.patronus.appliance.store.StateStore;
import io.patronus.wal.RecordType;
import io.patronus.model.Json;

import java.io.IOException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.Optional;

/**
 * The appliance's operational events (failover decisions, path state changes): each is appended to the write-ahead
 * log first (durable, with the log's group commit) and then indexed by its log sequence in the history file, which is
 * committed at checkpoints. At open, records logged after the last commit are read back from the log, so an event
 * acknowledged before a crash is never lost. The index keeps the newest {@code capacity} events. Thread-safe.
 */
public final class EventJournal {
    private static final System.Logger LOG = System.getLogger(EventJournal.class.getName());
    private final StateStore store;
    private final NavigableMap<Long, byte[]> index;
    private final int capacity;
    /** Entries in {@link #index}; guarded by {@code this}. */
    private long count;

    /** One event as stored and served. */
    public record Event(long sequence, Instant at, String type, String subject, String summary, Map<String, Object> details) {
    }

    public EventJournal(StateStore store, int capacity) {
        this.store = store;
        this.index = store.eventsMap();
        this.capacity = capacity;
        // The one full count: MapDB's BTreeMap.size() walks every node from disk, which trimming after each append
        // did, so that with the 100,000 events an appliance keeps a storm of 200 decisions took over a second.
        this.count = index.size();
        catchUp();
    }

    private void catchUp() {
        long last = index.isEmpty() ? 0 : index.lastKey();
        int[] found = {0};
        try {
            store.log().replay(Math.max(last, store.log().firstSequence() - 1), record -> {
                if ((record.type() == RecordType.FAILOVER_DECISION || record.type() == RecordType.PATH_EVENT)
                        && record.sequence() > last) {
                    indexed(record.sequence(), withSequence(record.sequence(), record.payload()));
                    found[0]++;
                }
            });
        } catch (RuntimeException e) {
            LOG.log(System.Logger.Level.WARNING, "events: could not read events back from the log: " + e.getMessage());
        }
        if (found[0] > 0) {
            LOG.log(System.Logger.Level.INFO, "events: " + found[0] + " events recovered from the write-ahead log");
        }
        trim();
    }

    /** Journals an event; returns it with its log sequence. */
    public Event append(RecordType recordType, Instant at, String type, String subject, String summary, Map<String, Object> details) {
        byte[] payload = encode(new Event(0, at, type, subject, summary, details));
        long seq = store.append(recordType, payload);
        Event e = new Event(seq, at, type, subject, summary, details);
        indexed(seq, encode(e));
        return e;
    }

    /** An event to journal with {@link #appendAll}. */
    public record NewEvent(RecordType recordType, Instant at, String type, String subject, String summary,
                           Map<String, Object> details) {
    }

    /**
     * Journals several events of one record type together (one group commit rather than one fsync each); returns
     * them with their log sequences, in order.
     */
    public List<Event> appendAll(RecordType recordType, List<NewEvent> events) {
        List<byte[]> payloads = new ArrayList<>(events.size());
        for (NewEvent n : events) {
            if (n.recordType() != recordType) {
                throw new IllegalArgumentException("appendAll of " + recordType + " was given an event of " + n.recordType());
            }
            payloads.add(encode(new Event(0, n.at(), n.type(), n.subject(), n.summary(), n.details())));
        }
        long[] seqs = store.appendAll(recordType, payloads);
        List<Event> out = new ArrayList<>(events.size());
        for (int i = 0; i < seqs.length; i++) {
            NewEvent n = events.get(i);
            Event e = new Event(seqs[i], n.at(), n.type(), n.subject(), n.summary(), n.details());
            indexed(seqs[i], encode(e));
            out.add(e);
        }
        return out;
    }

    /** Newest first; {@code type} filters on the event type ("failover", "path"). */
    public List<Event> list(Optional<Instant> since, Optional<Instant> until, Optional<String> type, int limit) {
        List<Event> out = new ArrayList<>();
        for (byte[] b : index.descendingMap().values()) {
            if (out.size() >= limit) {
                break;
            }
            Event e = decode(b);
            if (e == null || since.isPresent() && e.at().isBefore(since.get())) {
                continue;
            }
            if (until.isPresent() && e.at().isAfter(until.get()) || type.isPresent() && !type.get().equals(e.type())) {
                continue;
            }
            out.add(e);
        }
        return out;
    }

    public synchronized long size() {
        return count;
    }

    /** Indexes a journalled event and drops the oldest beyond the capacity. */
    private synchronized void indexed(long sequence, byte[] event) {
        if (index.put(sequence, event) == null) {
            count++;
        }
        trim();
    }

    private synchronized void trim() {
        while (count > capacity) {
            if (index.pollFirstEntry() == null) {
                count = 0;
                return;
            }
            count--;
        }
    }

    private static byte[] withSequence(long seq, byte[] payload) {
        Event e = decode(payload);
        return e == null ? payload : encode(new Event(seq, e.at(), e.type(), e.subject(), e.summary(), e.details()));
    }

    private static byte[] encode(Event e) {
        try {
            return Json.mapper().writeValueAsBytes(e);
        } catch (JsonProcessingException ex) {
            throw new IllegalStateException("an event always serialises", ex);
        }
    }

    private static Event decode(byte[] b) {
        try {
            return Json.mapper().readValue(b, Event.class);
        } catch (IOException e) {
            LOG.log(System.Logger.Level.WARNING, "events: skipping an undecodable event: " + e.getMessage());
            return null;
        }
    }
}
