package io.patronus.appliance.federation;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.patronus.appliance.store.StateStore;
import io.patronus.model.Json;
import io.patronus.provisioning.TelemetryEvent;
import io.patronus.wal.RecordType;
import io.patronus.wal.WalException;

import java.io.IOException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;

/**
 * What the outbox sends, in log sequence order: the operational events of the events index (failover decisions and
 * path events, which {@code EventJournal} keeps by log sequence, the newest 100,000) and the audit records still in
 * the write-ahead log. Audit records live only in the log, so those in segments a checkpoint retired before the
 * controller acknowledged them are not sent (logged once per gap); events are not lost that way.
 *
 * <p>Reading audit records means scanning the log, so the source remembers up to which sequence a scan found none
 * ({@link #auditFreeUpTo}) and starts the next scan there. Thread-safety: used by the outbox thread only, except
 * {@link #pendingEvents}, which only reads the index.
 */
final class TelemetrySource {
    private static final System.Logger LOG = System.getLogger(TelemetrySource.class.getName());
    private final StateStore store;
    private long auditFreeUpTo;
    private long reportedGapUpTo;

    /** Stops a log scan once enough records were found. */
    private static final class Enough extends RuntimeException {
        Enough() {
            super(null, null, false, false);
        }
    }

    TelemetrySource(StateStore store) {
        this.store = store;
    }

    /** Up to {@code max} events with a sequence above {@code after}, in sequence order. */
    List<TelemetryEvent> after(long after, int max) {
        List<TelemetryEvent> out = new ArrayList<>(events(after, max));
        out.addAll(audits(after, max));
        out.sort(Comparator.comparingLong(TelemetryEvent::sequence));
        return out.size() > max ? List.copyOf(out.subList(0, max)) : out;
    }

    /** Events of the index after {@code after} (a lower bound of what is pending: audit records are not counted). */
    long pendingEvents(long after) {
        return store.eventsMap().tailMap(after, false).size();
    }

    private List<TelemetryEvent> events(long after, int max) {
        List<TelemetryEvent> out = new ArrayList<>();
        NavigableMap<Long, byte[]> tail = store.eventsMap().tailMap(after, false);
        for (Map.Entry<Long, byte[]> e : tail.entrySet()) {
            if (out.size() >= max) {
                break;
            }
            try {
                JsonNode body = Json.mapper().readTree(e.getValue());
                if (body instanceof ObjectNode o) {
                    o.put("sequence", e.getKey());
                }
                String type = body.path("type").asText("");
                Instant at = Instant.parse(body.path("at").asText());
                out.add(new TelemetryEvent(e.getKey(), at, type.startsWith("failover") ? "failover_decision"
                        : type.equals("path") ? "path_event" : type.isEmpty() ? "event" : type, body));
            } catch (IOException | RuntimeException ex) {
                LOG.log(System.Logger.Level.WARNING, "federation: outbox skips undecodable event " + e.getKey() + ": " + ex.getMessage());
            }
        }
        return out;
    }

    private List<TelemetryEvent> audits(long after, int max) {
        long first = store.log().firstSequence();
        long from = Math.max(Math.max(after, auditFreeUpTo), first - 1);
        if (after < first - 1 && reportedGapUpTo < first - 1) {
            LOG.log(System.Logger.Level.WARNING, "federation: audit records " + (after + 1) + ".." + (first - 1)
                    + " were retired from the write-ahead log before the controller acknowledged them; they are not sent"
                    + " (operational events of that span still are)");
            reportedGapUpTo = first - 1;
        }
        long scanEnd = store.log().lastSequence();
        if (from >= scanEnd) {
            return List.of(); // nothing logged since the last scan: no need to read the segment again
        }
        List<TelemetryEvent> out = new ArrayList<>();
        try {
            store.log().replay(from, r -> {
                if (r.type() != RecordType.AUDIT) {
                    return;
                }
                try {
                    JsonNode body = Json.mapper().readTree(r.payload());
                    if (body instanceof ObjectNode o) {
                        o.put("sequence", r.sequence());
                    }
                    Instant at = body.hasNonNull("at") ? Instant.parse(body.get("at").asText()) : Instant.ofEpochMilli(r.timestampMillis());
                    out.add(new TelemetryEvent(r.sequence(), at, "audit", body));
                } catch (IOException | RuntimeException ex) {
                    LOG.log(System.Logger.Level.WARNING, "federation: outbox skips undecodable audit record " + r.sequence());
                }
                if (out.size() >= max) {
                    throw new Enough();
                }
            });
        } catch (Enough stop) {
            // enough for one batch
        } catch (WalException e) {
            LOG.log(System.Logger.Level.WARNING, "federation: outbox cannot read audit records from the log: " + e.getMessage());
            return List.of();
        }
        // Nothing at or below the first found record (or the scanned end) is an unsent audit record any more.
        auditFreeUpTo = out.isEmpty() ? Math.max(auditFreeUpTo, scanEnd) : Math.max(auditFreeUpTo, out.getFirst().sequence() - 1);
        return out;
    }
}
