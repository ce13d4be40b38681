package io.patronus.appliance.store;

import com.fasterxml.jackson.core.JsonProcessingException;
import io.patronus.wal.LogRecord;
import io.patronus.wal.RecordType;
import io.patronus.wal.RecoveryReport;
import io.patronus.wal.VerifyReport;
import io.patronus.wal.WalException;
import io.patronus.wal.WriteAheadLog;
import io.patronus.model.IpPrefix;
import io.patronus.model.Json;
import io.patronus.model.Policy;
import io.patronus.model.Site;
import io.patronus.model.User;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;

/**
 * The appliance's durable configuration state: sites, policies and users.
 *
 * <h2>Guarantees</h2>
 * A mutation is acknowledged (its method returns) only after its record is durable in the write-ahead log; it is
 * then applied to the in-memory state. A checkpoint writes the whole state, with the log sequence it covers, as a
 * new MapDB snapshot ({@link Snapshot}: written aside, forced, renamed over the old one) and then retires the log
 * segments it covers. On open the store loads the last snapshot and replays every logged mutation after its
 * sequence, so every acknowledged mutation is present and nothing is half-applied: a mutation is one log record,
 * and replaying a whole-object put or a delete is idempotent.
 *
 * <h2>Concurrency</h2>
 * Mutations are serialised by one lock held from validation through the durable append to the apply, so the
 * order of records in the log is the order of application and a check ("is this id free?") cannot race with
 * another writer. Configuration changes come at operator speed; high-rate records (audit, later telemetry and path
 * events) are appended through {@link #append} without this lock and share the log's group commit.
 * Reads are lock-free, served from an in-memory copy that is updated after each apply.
 */
public final class StateStore implements AutoCloseable {
    static final String SITES = "sites";
    static final String POLICIES = "policies";
    static final String USERS = "users";

    private static final System.Logger LOG = System.getLogger(StateStore.class.getName());

    private final StoreOptions options;
    private final DataDirLock lock;
    private final WriteAheadLog wal;
    private final HistoryFile history;
    private final ConcurrentSkipListMap<String, Site> sites = new ConcurrentSkipListMap<>();
    private final ConcurrentSkipListMap<String, Policy> policies = new ConcurrentSkipListMap<>();
    private final ConcurrentSkipListMap<String, User> users = new ConcurrentSkipListMap<>();
    private final ReentrantLock mutationLock = new ReentrantLock();
    private final List<Consumer<Mutation>> listeners = new CopyOnWriteArrayList<>();
    private final long replayed;
    private long appliedSequence;
    private int sinceCheckpoint;
    private volatile boolean closed;

    private StateStore(StoreOptions options, DataDirLock lock, Snapshot snapshot, WriteAheadLog wal, HistoryFile history) {
        this.options = options;
        this.lock = lock;
        this.wal = wal;
        this.history = history;
        this.appliedSequence = snapshot.appliedSequence();
        load(snapshot);
        this.replayed = replay();
    }

    /**
     * Opens (creating if needed) the store in {@code options.dataDir()}: takes the directory lock, opens MapDB at its
     * last checkpoint, migrates the schema if allowed, recovers the log and replays it.
     *
     * @throws StoreException when the directory is in use, the schema is newer than this build or needs a migration
     *                        that is not allowed, or the files cannot be read; the message says which and what to do
     */
    public static StateStore open(StoreOptions options) {
        Path dir = options.dataDir();
        DataDirLock lock = DataDirLock.acquire(dir);
        WriteAheadLog wal = null;
        HistoryFile history = null;
        try {
            Optional<Snapshot> existing = Snapshot.read(dir);
            Snapshot snapshot = existing.orElse(new Snapshot(0, 0, new java.util.HashMap<>()));
            boolean migrated = false;
            if (snapshot.schemaVersion() > SchemaMigrations.LATEST) {
                throw new StoreException("store " + dir.resolve(Snapshot.FILE) + " has schema version " + snapshot.schemaVersion()
                        + " but this build knows only up to " + SchemaMigrations.LATEST
                        + "; refusing to downgrade: run the newer patronus-appliance or restore a backup");
            }
            if (snapshot.schemaVersion() < SchemaMigrations.LATEST) {
                if (!options.autoMigrate() && existing.isPresent()) {
                    throw new StoreException("store " + dir.resolve(Snapshot.FILE) + " is at schema version "
                            + snapshot.schemaVersion() + ", this build needs " + SchemaMigrations.LATEST
                            + ": run `patronus-appliance --migrate` first (see --migration-status)");
                }
                int v = SchemaMigrations.migrate(snapshot.maps(), snapshot.schemaVersion(), SchemaMigrations.LATEST,
                        existing.isPresent() ? LOG : null);
                snapshot = new Snapshot(v, snapshot.appliedSequence(), snapshot.maps());
                migrated = true;
            }
            wal = WriteAheadLog.open(options.wal());
            RecoveryReport recovery = wal.recoveryReport();
            if (recovery.damaged()) {
                LOG.log(System.Logger.Level.WARNING, "write-ahead log recovery: " + recovery.describe());
            }
            if (snapshot.appliedSequence() > wal.lastSequence()) {
                throw new StoreException("checkpoint " + dir.resolve(Snapshot.FILE) + " covers log sequence "
                        + snapshot.appliedSequence() + " but the log in " + options.wal().directory() + " ends at "
                        + wal.lastSequence() + ": the log was truncated or replaced; restore the matching log or backup");
            }
            history = HistoryFile.open(dir);
            StateStore store = new StateStore(options, lock, snapshot, wal, history);
            if (migrated) {
                store.checkpoint();
            }
            return store;
        } catch (RuntimeException e) {
            if (wal != null) {
                wal.close();
            }
            if (history != null) {
                history.close();
            }
            lock.close();
            if (e instanceof StoreException) {
                throw e;
            }
            throw new StoreException("cannot open the state store in " + dir.toAbsolutePath() + ": " + e.getMessage(), e);
        }
    }

    private void load(Snapshot snapshot) {
        snapshot.maps().getOrDefault(SITES, Map.of()).forEach((id, json) -> sites.put(id, decode(json, Site.class, "site " + id)));
        snapshot.maps().getOrDefault(POLICIES, Map.of()).forEach((id, json) -> policies.put(id, decode(json, Policy.class, "policy " + id)));
        snapshot.maps().getOrDefault(USERS, Map.of()).forEach((id, json) -> users.put(id, decode(json, User.class, "user " + id)));
    }

    private Snapshot snapshot() {
        Map<String, Map<String, String>> maps = new java.util.HashMap<>();
        maps.put(SITES, encodeAll(sites));
        maps.put(POLICIES, encodeAll(policies));
        maps.put(USERS, encodeAll(users));
        return new Snapshot(SchemaMigrations.LATEST, appliedSequence, maps);
    }

    private static <T> Map<String, String> encodeAll(Map<String, T> values) {
        Map<String, String> out = new java.util.HashMap<>();
        values.forEach((k, v) -> out.put(k, encode(v)));
        return out;
    }

    private long replay() {
        long[] count = {0};
        wal.replay(appliedSequence, record -> {
            if (record.type() == RecordType.STATE_MUTATION) {
                apply(decodeMutation(record));
                count[0]++;
            }
            appliedSequence = record.sequence();
        });
        if (count[0] > 0) {
            LOG.log(System.Logger.Level.INFO, "replayed " + count[0] + " logged mutations after the last checkpoint");
        }
        return count[0];
    }

    private static Mutation decodeMutation(LogRecord record) {
        try {
            return Json.mapper().readValue(record.payload(), Mutation.class);
        } catch (IOException e) {
            throw new StoreException("log record " + record.sequence() + " is a state mutation that cannot be decoded: "
                    + e.getMessage(), e);
        }
    }

    private static <T> T decode(String json, Class<T> type, String what) {
        try {
            return Json.mapper().readValue(json, type);
        } catch (IOException e) {
            throw new StoreException("stored " + what + " cannot be decoded: " + e.getMessage(), e);
        }
    }

    private static String encode(Object value) {
        try {
            return Json.mapper().writeValueAsString(value);
        } catch (JsonProcessingException e) {
            throw new StoreException("cannot encode " + value.getClass().getSimpleName() + ": " + e.getMessage(), e);
        }
    }

    // ---- reads ---------------------------------------------------------------------------------------------------

    /** All sites ordered by id. Thread-safe, lock-free. */
    public List<Site> sites() {
        return List.copyOf(sites.values());
    }

    public Optional<Site> site(String id) {
        return Optional.ofNullable(sites.get(id));
    }

    /** All policies ordered by priority (1 first). */
    public List<Policy> policies() {
        return policies.values().stream().sorted(Comparator.comparingInt(Policy::priority)).toList();
    }

    public Optional<Policy> policy(String id) {
        return Optional.ofNullable(policies.get(id));
    }

    public Optional<User> user(String username) {
        return Optional.ofNullable(users.get(username));
    }

    public int userCount() {
        return users.size();
    }

    // ---- mutations -----------------------------------------------------------------------------------------------

    /** Adds a site; fails with {@link ConflictException} when the id exists or a LAN prefix overlaps another site's. */
    public Site createSite(Site site, String actor) {
        return mutate(() -> {
            if (sites.containsKey(site.id())) {
                throw new ConflictException("id", "site " + site.id() + " already exists");
            }
            checkPrefixesFree(site);
            return new Mutation.PutSite(site, actor, options.clock().instant());
        }).site();
    }

    /** Replaces a site, keeping its creation time; fails with {@link NotFoundException} when absent. */
    public Site replaceSite(Site site, String actor) {
        return mutate(() -> {
            Site old = sites.get(site.id());
            if (old == null) {
                throw new NotFoundException("site " + site.id() + " does not exist");
            }
            Site kept = new Site(site.id(), site.name(), site.location(), site.publicKey(), site.endpoints(),
                    site.lanPrefixes(), site.status(), old.createdAt());
            checkPrefixesFree(kept);
            return new Mutation.PutSite(kept, actor, options.clock().instant());
        }).site();
    }

    public void deleteSite(String id, String actor) {
        mutate(() -> {
            if (!sites.containsKey(id)) {
                throw new NotFoundException("site " + id + " does not exist");
            }
            return new Mutation.DeleteSite(id, actor, options.clock().instant());
        });
    }

    /** Adds a policy; fails with {@link ConflictException} when its id or its priority is taken. */
    public Policy createPolicy(Policy policy, String actor) {
        return mutate(() -> {
            if (policies.containsKey(policy.id())) {
                throw new ConflictException("id", "policy " + policy.id() + " already exists");
            }
            checkPriorityFree(policy);
            return new Mutation.PutPolicy(policy, actor, options.clock().instant());
        }).policy();
    }

    public Policy replacePolicy(Policy policy, String actor) {
        return mutate(() -> {
            if (!policies.containsKey(policy.id())) {
                throw new NotFoundException("policy " + policy.id() + " does not exist");
            }
            checkPriorityFree(policy);
            return new Mutation.PutPolicy(policy, actor, options.clock().instant());
        }).policy();
    }

    public void deletePolicy(String id, String actor) {
        mutate(() -> {
            if (!policies.containsKey(id)) {
                throw new NotFoundException("policy " + id + " does not exist");
            }
            return new Mutation.DeletePolicy(id, actor, options.clock().instant());
        });
    }

    /** Creates or replaces a user. */
    public void putUser(User user, String actor) {
        mutate(() -> new Mutation.PutUser(user, actor, options.clock().instant()));
    }

    /**
     * Replaces every site and every policy with the given ones in one journalled mutation (a controller bundle, or
     * the restore of the configuration before it). Users are untouched. The new sets are checked as a whole first:
     * unique site ids, no LAN prefix overlapping another site's, unique policy ids and priorities; a violation is a
     * {@link ConflictException} and nothing changes. Readers may see the maps mid-way for the moment of the apply
     * (sites first, then policies); listeners run once, after both are in place.
     */
    public void replaceConfig(List<Site> newSites, List<Policy> newPolicies, String actor) {
        mutate(() -> {
            checkConfig(newSites, newPolicies);
            return new Mutation.ReplaceConfig(newSites, newPolicies, actor, options.clock().instant());
        });
    }

    /**
     * Checks a whole set of sites and policies as {@link #replaceConfig} would take it: unique site ids, no LAN prefix
     * overlapping another site's, unique policy ids and priorities.
     *
     * @throws ConflictException naming the first violation
     */
    public static void checkConfig(List<Site> newSites, List<Policy> newPolicies) {
        java.util.Set<String> ids = new java.util.HashSet<>();
        for (int i = 0; i < newSites.size(); i++) {
            Site s = newSites.get(i);
            if (!ids.add(s.id())) {
                throw new ConflictException("sites[" + i + "].id", "site " + s.id() + " appears twice");
            }
            for (int j = 0; j < i; j++) {
                for (IpPrefix mine : s.lanPrefixes()) {
                    for (IpPrefix theirs : newSites.get(j).lanPrefixes()) {
                        if (mine.overlaps(theirs)) {
                            throw new ConflictException("sites[" + i + "].lanPrefixes", "LAN prefix " + mine + " of site "
                                    + s.id() + " overlaps " + theirs + " of site " + newSites.get(j).id());
                        }
                    }
                }
            }
        }
        java.util.Set<String> policyIds = new java.util.HashSet<>();
        java.util.Map<Integer, String> priorities = new java.util.HashMap<>();
        for (int i = 0; i < newPolicies.size(); i++) {
            Policy p = newPolicies.get(i);
            if (!policyIds.add(p.id())) {
                throw new ConflictException("policies[" + i + "].id", "policy " + p.id() + " appears twice");
            }
            String other = priorities.putIfAbsent(p.priority(), p.id());
            if (other != null) {
                throw new ConflictException("policies[" + i + "].priority", "priority " + p.priority()
                        + " is used by both policy " + other + " and policy " + p.id());
            }
        }
    }

    /** Registers a callback run after each applied mutation (also for replayed ones after {@link #open}). */
    public void addListener(Consumer<Mutation> listener) {
        listeners.add(listener);
    }

    private void checkPrefixesFree(Site site) {
        for (Site other : sites.values()) {
            if (other.id().equals(site.id())) {
                continue;
            }
            for (int i = 0; i < site.lanPrefixes().size(); i++) {
                IpPrefix mine = site.lanPrefixes().get(i);
                for (IpPrefix theirs : other.lanPrefixes()) {
                    if (mine.overlaps(theirs)) {
                        throw new ConflictException("lanPrefixes[" + i + "]",
                                "LAN prefix " + mine + " overlaps " + theirs + " of site " + other.id());
                    }
                }
            }
        }
    }

    private void checkPriorityFree(Policy policy) {
        for (Policy other : policies.values()) {
            if (!other.id().equals(policy.id()) && other.priority() == policy.priority()) {
                throw new ConflictException("priority",
                        "priority " + policy.priority() + " is already used by policy " + other.id());
            }
        }
    }

    private interface Planner<M extends Mutation> {
        M plan();
    }

    private <M extends Mutation> M mutate(Planner<M> planner) {
        mutationLock.lock();
        try {
            ensureOpen();
            M mutation = planner.plan();
            long seq = wal.append(RecordType.STATE_MUTATION, Json.mapper().writeValueAsBytes(mutation));
            apply(mutation);
            appliedSequence = seq;
            if (++sinceCheckpoint >= options.checkpointEvery()) {
                checkpointLocked();
            }
            return mutation;
        } catch (JsonProcessingException e) {
            throw new StoreException("cannot encode mutation: " + e.getMessage(), e);
        } catch (WalException e) {
            throw new StoreException("the change was not saved: the write-ahead log failed: " + e.getMessage(), e);
        } finally {
            mutationLock.unlock();
        }
    }

    private void apply(Mutation m) {
        switch (m) {
            case Mutation.PutSite p -> {
                sites.put(p.site().id(), p.site());
            }
            case Mutation.DeleteSite d -> {
                sites.remove(d.id());
            }
            case Mutation.PutPolicy p -> {
                policies.put(p.policy().id(), p.policy());
            }
            case Mutation.DeletePolicy d -> {
                policies.remove(d.id());
            }
            case Mutation.PutUser p -> {
                users.put(p.user().username(), p.user());
            }
            case Mutation.DeleteUser d -> {
                users.remove(d.username());
            }
            case Mutation.ReplaceConfig r -> {
                // Put before remove, so that a concurrent reader never sees an empty mesh during a bundle swap.
                java.util.Set<String> siteIds = new java.util.HashSet<>();
                r.sites().forEach(s -> {
                    sites.put(s.id(), s);
                    siteIds.add(s.id());
                });
                sites.keySet().retainAll(siteIds);
                java.util.Set<String> policyIds = new java.util.HashSet<>();
                r.policies().forEach(p -> {
                    policies.put(p.id(), p);
                    policyIds.add(p.id());
                });
                policies.keySet().retainAll(policyIds);
            }
        }
        for (Consumer<Mutation> l : listeners) {
            try {
                l.accept(m);
            } catch (RuntimeException e) {
                LOG.log(System.Logger.Level.WARNING, "listener failed on " + m.target() + ": " + e, e);
            }
        }
    }

    // ---- raw log access for other components --------------------------------------------------------------------

    /** Appends a non-state record (audit, events) durably, sharing the log's group commit; returns its sequence. */
    public long append(RecordType type, byte[] payload) {
        ensureOpen();
        return wal.append(type, payload);
    }

    /**
     * Appends several non-state records durably and returns their sequences in order. They are queued together, so
     * the log's group commit makes them durable with one or a few fsyncs instead of one per record: what a failover
     * storm needs, when a hundred decisions are journalled at once by a thread that has more to decide.
     */
    public long[] appendAll(RecordType type, List<byte[]> payloads) {
        ensureOpen();
        return wal.appendAll(type, payloads);
    }

    /** The underlying log, for components that read their own record types back. */
    public WriteAheadLog log() {
        return wal;
    }

    /** How many mutations the last open replayed from the log. */
    public long replayedAtOpen() {
        return replayed;
    }

    /** Path health samples, ordered by {@code pathId|zero-padded epoch millis}; committed with each checkpoint. */
    public java.util.NavigableMap<String, byte[]> historyMap() {
        return history.samples();
    }

    /**
     * Operational events (failover decisions, path state changes) by write-ahead log sequence; committed with each
     * checkpoint, and rebuilt from the log for the records after it (see {@code events.EventJournal}).
     */
    public java.util.NavigableMap<Long, byte[]> eventsMap() {
        return history.events();
    }

    /** Present when the path history file was found damaged at open and replaced. */
    public Optional<String> historyRecoveryNote() {
        return history.recoveryNote();
    }

    // ---- checkpoints, checks, lifecycle -------------------------------------------------------------------------

    /** Writes a snapshot with the sequence it covers, commits the history, and retires the log segments covered. */
    public void checkpoint() {
        mutationLock.lock();
        try {
            ensureOpen();
            checkpointLocked();
        } finally {
            mutationLock.unlock();
        }
    }

    private void checkpointLocked() {
        snapshot().write(options.dataDir());
        history.commit();
        sinceCheckpoint = 0;
        wal.checkpoint(appliedSequence);
    }

    /** The last log sequence applied to the maps. */
    public long appliedSequence() {
        return appliedSequence;
    }

    /** Verifies every stored object and the log end to end; reads only, safe while the appliance runs. */
    public StoreCheck check() {
        List<String> problems = new ArrayList<>();
        int version = SchemaMigrations.LATEST;
        long checkpointSequence = 0;
        mutationLock.lock();
        Snapshot served;
        try {
            served = snapshot();
        } finally {
            mutationLock.unlock();
        }
        try {
            Optional<Snapshot> onDisk = Snapshot.read(options.dataDir());
            if (onDisk.isEmpty()) {
                problems.add("no checkpoint file " + Snapshot.FILE + " yet (it is written at the first checkpoint)");
            } else {
                version = onDisk.get().schemaVersion();
                checkpointSequence = onDisk.get().appliedSequence();
                if (version != SchemaMigrations.LATEST) {
                    problems.add("checkpoint schema version is " + version + ", expected " + SchemaMigrations.LATEST);
                }
                checkDocuments(onDisk.get().maps().getOrDefault(SITES, Map.of()), Site.class, "site", problems);
                checkDocuments(onDisk.get().maps().getOrDefault(POLICIES, Map.of()), Policy.class, "policy", problems);
                checkDocuments(onDisk.get().maps().getOrDefault(USERS, Map.of()), User.class, "user", problems);
            }
        } catch (StoreException e) {
            problems.add(e.getMessage());
        }
        checkDocuments(served.maps().get(SITES), Site.class, "site", problems);
        for (Site s : sites.values()) {
            try {
                checkPrefixesFree(s);
            } catch (ConflictException e) {
                problems.add("site " + s.id() + ": " + e.getMessage());
            }
        }
        VerifyReport verify = WriteAheadLog.verify(options.wal().directory());
        if (!verify.ok()) {
            problems.add("write-ahead log: " + verify.describe());
        }
        long last = wal.lastSequence();
        if (checkpointSequence > last) {
            problems.add("checkpoint covers sequence " + checkpointSequence + " but the log ends at " + last);
        }
        if (checkpointSequence > 0 && wal.firstSequence() > checkpointSequence + 1) {
            problems.add("the log starts at " + wal.firstSequence() + " but the checkpoint covers only up to "
                    + checkpointSequence + ": records in between are missing");
        }
        history.recoveryNote().ifPresent(problems::add);
        return new StoreCheck(problems.isEmpty(), version, appliedSequence, sites.size(), policies.size(), users.size(),
                history.samples().sizeLong(), last, verify.segments(), verify.records(), List.copyOf(problems));
    }

    private static <T> void checkDocuments(Map<String, String> stored, Class<T> type, String what, List<String> problems) {
        for (Map.Entry<String, String> e : stored.entrySet()) {
            try {
                Json.mapper().readValue(e.getValue(), type);
            } catch (IOException | RuntimeException ex) {
                problems.add(what + " " + e.getKey() + ": stored document is invalid: " + ex.getMessage());
            }
        }
    }

    private void ensureOpen() {
        if (closed) {
            throw new StoreException("the state store is closed");
        }
    }

    /** Checkpoints, closes the log and MapDB, and releases the data directory. */
    @Override
    public void close() {
        mutationLock.lock();
        try {
            if (closed) {
                return;
            }
            try {
                checkpointLocked();
            } catch (RuntimeException e) {
                LOG.log(System.Logger.Level.WARNING, "final checkpoint failed; the log will be replayed at next start: " + e);
            }
            closed = true;
            wal.close();
            history.close();
            lock.close();
        } finally {
            mutationLock.unlock();
        }
    }

}
