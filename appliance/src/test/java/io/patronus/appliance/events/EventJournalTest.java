package io.patronus.appliance.events;

import io.patronus.appliance.store.StateStore;
import io.patronus.appliance.store.StoreOptions;
import io.patronus.wal.RecordType;
import io.patronus.wal.WalOptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class EventJournalTest {
    @TempDir
    Path dir;

    private StateStore open() {
        return StateStore.open(new StoreOptions(dir, WalOptions.defaults(dir.resolve("wal")), 1000, true, Clock.systemUTC()));
    }

    private static List<EventJournal.NewEvent> decisions(int n, Instant at) {
        List<EventJournal.NewEvent> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            out.add(new EventJournal.NewEvent(RecordType.FAILOVER_DECISION, at, "failover", "default/site-" + i,
                    "default/site-" + i + ": fiber -> lte (backup)", Map.of("siteId", "site-" + i)));
        }
        return out;
    }

    @Test
    void appendAll_journalsEveryEventInOrder_withIncreasingSequences_andTheyAreListedAndSurviveAReopen() {
        Instant at = Instant.parse("2026-11-23T12:00:00Z");
        List<EventJournal.Event> written;
        try (StateStore store = open()) {
            EventJournal journal = new EventJournal(store, 1000);
            written = journal.appendAll(RecordType.FAILOVER_DECISION, decisions(200, at));
            assertEquals(200, written.size());
            for (int i = 1; i < written.size(); i++) {
                assertTrue(written.get(i).sequence() > written.get(i - 1).sequence(), "sequences increase in the given order");
                assertEquals("default/site-" + i, written.get(i).subject());
            }
            assertEquals(200, journal.list(Optional.empty(), Optional.empty(), Optional.of("failover"), 1000).size());
        }
        try (StateStore store = open()) {
            EventJournal again = new EventJournal(store, 1000);
            List<EventJournal.Event> listed = again.list(Optional.empty(), Optional.empty(), Optional.empty(), 1000);
            assertEquals(200, listed.size(), "durable: all of them are there after a reopen");
            assertEquals(written.getLast().sequence(), listed.getFirst().sequence(), "newest first");
        }
    }

    /** Regression: trimming counted the MapDB tree (a walk from disk) after every append; the count is kept now. */
    @Test
    void aFullJournal_keepsItsNewestEventsAtCapacity_acrossAppendsAndAReopen() {
        Instant at = Instant.parse("2026-11-23T12:00:00Z");
        long newest;
        try (StateStore store = open()) {
            EventJournal journal = new EventJournal(store, 50);
            journal.appendAll(RecordType.FAILOVER_DECISION, decisions(120, at));
            newest = journal.append(RecordType.PATH_EVENT, at, "path", "p", "p: up -> down", Map.of()).sequence();
            assertEquals(50, journal.size());
            List<EventJournal.Event> kept = journal.list(Optional.empty(), Optional.empty(), Optional.empty(), 1000);
            assertEquals(50, kept.size());
            assertEquals(newest, kept.getFirst().sequence());
            assertEquals(newest - 49, kept.getLast().sequence(), "the oldest are the ones dropped");
        }
        try (StateStore store = open()) {
            EventJournal again = new EventJournal(store, 50);
            assertEquals(50, again.size());
            again.appendAll(RecordType.FAILOVER_DECISION, decisions(10, at));
            assertEquals(50, again.size());
            assertEquals(50, again.list(Optional.empty(), Optional.empty(), Optional.empty(), 1000).size());
        }
    }

    @Test
    void appendAll_refusesAnEventOfAnotherRecordType_andJournalsNothing() {
        try (StateStore store = open()) {
            EventJournal journal = new EventJournal(store, 1000);
            List<EventJournal.NewEvent> mixed = new ArrayList<>(decisions(2, Instant.now()));
            mixed.add(new EventJournal.NewEvent(RecordType.PATH_EVENT, Instant.now(), "path", "p", "p: up -> down", Map.of()));
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> journal.appendAll(RecordType.FAILOVER_DECISION, mixed));
            assertTrue(e.getMessage().contains("PATH_EVENT"), e.getMessage());
            assertEquals(0, journal.size());
        }
    }
}
