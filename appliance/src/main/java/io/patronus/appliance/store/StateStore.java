package io.patronus.appliance.store;

import com.fasterxml.jackson.core.JsonProcessingException;
import io.patronus.appliance.wal.LogRecord;
import io.patronus.appliance.wal.RecordType;
import io.patronus.appliance.wal.RecoveryReport;
import io.patronus.appliance.wal.VerifyReport;
import io.patronus.appliance.wal.WalException;
import io.patronus.appliance.wal.WriteAheadLog;
import io.patronus.model.IpPrefix;
import io.patronus.model.Json;
import io.patronus.model.Policy;
import io.patronus.model.Site;
import io.patronus.model.User;
import org.mapdb.BTreeMap;
import org.mapdb.DB;
import org.mapdb.DBMaker;
import org.mapdb.HTreeMap;
import org.mapdb.Serializer;

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
 * then applied to the MapDB maps inside MapDB's open transaction. MapDB is committed only at checkpoints, together
 * with the log sequence it covers ({@code meta.appliedSequence}). After a crash MapDB rolls back to its last commit and
 * the store replays every logged mutation after that sequence, so every acknowledged mutation is present and nothing
 * is half-applied: a mutation is one log record, and replaying a whole-object put or a delete is idempotent.
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
    static final String HISTORY = "pathHistory";
    static final String APPLIED_SEQUENCE = "appliedSequence";

    private static final System.Logger LOG = System.getLogger(StateStore.class.getName());

    private final StoreOptions options;
    private final DataDirLock lock;
    private final DB db;
    private final WriteAheadLog wal;
    private final HTreeMap<String, String> siteMap;
    private final HTreeMap<String, String> policyMap;
    private final HTreeMap<String, String> userMap;
    private final HTreeMap<String, String> meta;
    private final BTreeMap<String, byte[]> history;
    private final ConcurrentSkipListMap<String, Site> sites = new ConcurrentSkipListMap<>();
    private final ConcurrentSkipListMap<String, Policy> policies = new ConcurrentSkipListMap<>();
    private final ConcurrentSkipListMap<String, User> users = new ConcurrentSkipListMap<>();
    private final ReentrantLock mutationLock = new ReentrantLock();
    private final List<Consumer<Mutation>> listeners = new CopyOnWriteArrayList<>();
    private final long replayed;
    private long appliedSequence;
    private int sinceCheckpoint;
    private volatile boolean closed;

    private StateStore(StoreOptions options, DataDirLock lock, DB db, WriteAheadLog wal) {
        this.options = options;
        this.lock = lock;
        this.db = db;
        this.wal = wal;
        this.siteMap = db.hashMap(SITES, Serializer.STRING, Serializer.STRING).createOrOpen();
        this.policyMap = db.hashMap(POLICIES, Serializer.STRING, Serializer.STRING).createOrOpen();
        this.userMap = db.hashMap(USERS, Serializer.STRING, Serializer.STRING).createOrOpen();
        this.meta = db.hashMap(SchemaMigrations.META, Serializer.STRING, Serializer.STRING).createOrOpen();
        this.history = db.treeMap(HISTORY, Serializer.STRING, Serializer.BYTE_ARRAY).createOrOpen();
        this.appliedSequence = Long.parseLong(meta.getOrDefault(APPLIED_SEQUENCE, "0"));
        loadCaches();
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
        DB db = null;
        WriteAheadLog wal = null;
        try {
            db = openDb(dir);
            int version = SchemaMigrations.version(db);
            if (version > SchemaMigrations.LATEST) {
                throw new StoreException("store " + dir.resolve("state.db") + " has schema version " + version
                        + " but this build knows only up to " + SchemaMigrations.LATEST
                        + "; refusing to downgrade: run the newer patronus-appliance or restore a backup");
            }
            if (version < SchemaMigrations.LATEST) {
                if (!options.autoMigrate() && version != 0) {
                    throw new StoreException("store " + dir.resolve("state.db") + " is at schema version " + version
                            + ", this build needs " + SchemaMigrations.LATEST
                            + ": run `patronus-appliance --migrate` first (see --migration-status)");
                }
                SchemaMigrations.migrate(db, version, SchemaMigrations.LATEST, LOG);
            }
            wal = WriteAheadLog.open(options.wal());
            RecoveryReport recovery = wal.recoveryReport();
            if (recovery.damaged()) {
                LOG.log(System.Logger.Level.WARNING, "write-ahead log recovery: " + recovery.describe());
            }
            return new StateStore(options, lock, db, wal);
        } catch (RuntimeException e) {
            if (wal != null) {
                wal.close();
            }
            if (db != null && !db.isClosed()) {
                db.close();
            }
            lock.close();
            if (e instanceof StoreException) {
                throw e;
            }
            throw new StoreException("cannot open the state store in " + dir.toAbsolutePath() + ": " + e.getMessage(), e);
        }
    }

    /** Opens only the MapDB file, for the schema commands of {@code patronus-appliance}; caller holds the data directory. */
    static DB openDb(Path dir) {
        return DBMaker.fileDB(dir.resolve("state.db").toFile())
                .transactionEnable()
                .fileChannelEnable()
                .make();
    }

    private void loadCaches() {
        siteMap.forEach((id, json) -> sites.put(id, decode(json, Site.class, "site " + id)));
        policyMap.forEach((id, json) -> policies.put(id, decode(json, Policy.class, "policy " + id)));
        userMap.forEach((id, json) -> users.put(id, decode(json, User.class, "user " + id)));
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
                siteMap.put(p.site().id(), encode(p.site()));
                sites.put(p.site().id(), p.site());
            }
            case Mutation.DeleteSite d -> {
                siteMap.remove(d.id());
                sites.remove(d.id());
            }
            case Mutation.PutPolicy p -> {
                policyMap.put(p.policy().id(), encode(p.policy()));
                policies.put(p.policy().id(), p.policy());
            }
            case Mutation.DeletePolicy d -> {
                policyMap.remove(d.id());
                policies.remove(d.id());
            }
            case Mutation.PutUser p -> {
                userMap.put(p.user().username(), encode(p.user()));
                users.put(p.user().username(), p.user());
            }
            case Mutation.DeleteUser d -> {
                userMap.remove(d.username());
                users.remove(d.username());
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

    /** The underlying log, for components that read their own record types back. */
    public WriteAheadLog log() {
        return wal;
    }

    /** How many mutations the last open replayed from the log. */
    public long replayedAtOpen() {
        return replayed;
    }

    /** Path health samples, ordered by {@code pathId|zero-padded epoch millis}; committed with each checkpoint. */
    public BTreeMap<String, byte[]> historyMap() {
        return history;
    }

    // ---- checkpoints, checks, lifecycle -------------------------------------------------------------------------

    /** Commits MapDB with the sequence it covers and retires the log segments that sequence covers. */
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
        meta.put(APPLIED_SEQUENCE, Long.toString(appliedSequence));
        db.commit();
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
        int version = Integer.parseInt(meta.getOrDefault(SchemaMigrations.SCHEMA_VERSION, "0"));
        if (version != SchemaMigrations.LATEST) {
            problems.add("store schema version is " + version + ", expected " + SchemaMigrations.LATEST);
        }
        checkMap(siteMap, Site.class, "site", sites, problems);
        checkMap(policyMap, Policy.class, "policy", policies, problems);
        checkMap(userMap, User.class, "user", users, problems);
        for (Site s : sites.values()) {
            try {
                checkPrefixesFree(s);
            } catch (ConflictException e) {
                problems.add("site " + s.id() + ": " + e.getMessage());
            }
        }
        long samples = history.sizeLong();
        VerifyReport verify = WriteAheadLog.verify(options.wal().directory());
        if (!verify.ok()) {
            problems.add("write-ahead log: " + verify.describe());
        }
        long last = wal.lastSequence();
        if (appliedSequence > last) {
            problems.add("store has applied sequence " + appliedSequence + " but the log ends at " + last);
        }
        return new StoreCheck(problems.isEmpty(), version, appliedSequence, sites.size(), policies.size(), users.size(),
                samples, last, verify.segments(), verify.records(), List.copyOf(problems));
    }

    private static <T> void checkMap(Map<String, String> stored, Class<T> type, String what, Map<String, T> cache,
                                     List<String> problems) {
        for (Map.Entry<String, String> e : stored.entrySet()) {
            try {
                T value = Json.mapper().readValue(e.getValue(), type);
                if (!value.equals(cache.get(e.getKey()))) {
                    problems.add(what + " " + e.getKey() + ": stored value differs from the served value");
                }
            } catch (IOException | RuntimeException ex) {
                problems.add(what + " " + e.getKey() + ": stored value is invalid: " + ex.getMessage());
            }
        }
        for (String key : cache.keySet()) {
            if (!stored.containsKey(key)) {
                problems.add(what + " " + key + ": served but missing from the store");
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
            db.close();
            lock.close();
        } finally {
            mutationLock.unlock();
        }
    }

}
