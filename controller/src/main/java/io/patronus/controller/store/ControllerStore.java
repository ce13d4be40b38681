package io.patronus.controller.store;

import com.fasterxml.jackson.core.JsonProcessingException;
import io.patronus.model.Json;
import io.patronus.provisioning.PathSummary;
import io.patronus.wal.LogRecord;
import io.patronus.wal.RecordType;
import io.patronus.wal.RecoveryReport;
import io.patronus.wal.WalException;
import io.patronus.wal.WalStats;
import io.patronus.wal.WriteAheadLog;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.Optional;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.function.Predicate;

/**
 * The controller's durable state: organisations and their admin tokens, sites, groups, enrolment tokens, appliances,
 * published bundle versions, telemetry events, audit records, rollouts and the latest WireGuard key rotation of each
 * site.
 *
 * <h2>Guarantees</h2>
 * A {@link #transact transaction} returns only after its {@link Change} is durable in the write-ahead log
 * ({@code dataDir/wal}, {@link WriteAheadLog}); the change is then applied to the in-memory maps. A checkpoint writes
 * every map, with the log sequence it covers, as a new MapDB file ({@link Snapshot}: written aside, forced, renamed)
 * and retires the log segments it covers. Opening loads the last checkpoint and replays every change after it, so
 * whatever was acknowledged before a crash (kill -9 included) is there after it, and a change is applied whole or
 * not at all.
 *
 * <p>Two exceptions, on purpose, both small: an appliance's {@code lastSeen}, path summary and {@code observedAt} from
 * a status report that changed nothing else ({@link #seen}) are kept in memory and written by the next checkpoint,
 * not journalled: a heartbeat every 15 s from each of a thousand appliances would otherwise be an fsync each. A
 * crash loses at most {@link #checkpointIfDue the soft checkpoint interval} of them, and the next heartbeat
 * restores them. Published bundles are kept as {@link BundleVersion facts}, not as bundles (see there).
 *
 * <h2>Organisations</h2>
 * Every site and group belongs to one organisation; an appliance, its bundles and key rotations follow from its site.
 * Enrolment tokens, rollouts, telemetry events and audit records carry their organisation too, because they outlive
 * the site or group they were about and views filter them by organisation. A store that has no organisation when it
 * is opened (a new one, or one written before schema 3) gets the organisation {@link OrganisationRecord#FIRST}, named
 * {@link StoreOptions#firstOrganisation()}, and everything it holds moves into it: one durable change
 * ({@link Change.Op.AssignOrganisation}), so a crash during the migration leaves it done or not done, never half done,
 * and the next open finishes it.
 *
 * <h2>Bounds</h2>
 * Telemetry events and audit records are removed by {@link #prune} once older than the configured retention; every
 * other map holds one entry per site, group, token, appliance or rollout.
 *
 * <h2>Concurrency</h2>
 * Transactions are serialised by one lock held from the body's reads through the durable append to the apply, so a
 * check ("is this token unused?") cannot race with another writer, and the log order is the apply order. Reads are
 * lock-free from the in-memory maps, each map consistent on its own.
 */
public final class ControllerStore implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(ControllerStore.class.getName());
    private static final String SITES = "sites";
    private static final String GROUPS = "groups";
    private static final String TOKENS = "tokens";
    private static final String APPLIANCES = "appliances";
    /** Whole bundles, in checkpoints before schema 2; read, never written. */
    private static final String LEGACY_BUNDLES = "bundles";
    private static final String PUBLISHED = "published";
    private static final String COUNTERS = "counters";
    private static final String LAST_AUDIT_ID = "lastAuditId";
    private static final String EVENTS = "events";
    private static final String TELEMETRY = "telemetry";
    private static final String AUDIT = "audit";
    private static final String ROLLOUTS = "rollouts";
    private static final String KEY_ROTATIONS = "keyRotations";
    private static final String ORGANISATIONS = "organisations";
    private static final String ADMIN_TOKENS = "adminTokens";

    private final StoreOptions options;
    private final WriteAheadLog wal;
    private final ConcurrentSkipListMap<String, SiteRecord> sites = new ConcurrentSkipListMap<>();
    /** By {@link GroupRecord#key}: organisation, then name. */
    private final ConcurrentSkipListMap<String, GroupRecord> groups = new ConcurrentSkipListMap<>();
    private final ConcurrentSkipListMap<String, TokenRecord> tokens = new ConcurrentSkipListMap<>();
    private final ConcurrentSkipListMap<String, String> tokenIdsByHash = new ConcurrentSkipListMap<>();
    private final ConcurrentSkipListMap<String, ApplianceRecord> appliances = new ConcurrentSkipListMap<>();
    private final ConcurrentSkipListMap<String, BundleVersion> published = new ConcurrentSkipListMap<>();
    private final ConcurrentSkipListMap<String, StoredEvent> events = new ConcurrentSkipListMap<>();
    private final ConcurrentSkipListMap<String, TelemetryCounter> telemetry = new ConcurrentSkipListMap<>();
    private final ConcurrentSkipListMap<Long, AuditRecord> audit = new ConcurrentSkipListMap<>();
    private final ConcurrentSkipListMap<String, RolloutRecord> rollouts = new ConcurrentSkipListMap<>();
    private final ConcurrentSkipListMap<String, KeyRotationRecord> keyRotations = new ConcurrentSkipListMap<>();
    private final ConcurrentSkipListMap<String, OrganisationRecord> organisations = new ConcurrentSkipListMap<>();
    private final ConcurrentSkipListMap<String, AdminTokenRecord> adminTokens = new ConcurrentSkipListMap<>();
    private final ConcurrentSkipListMap<String, String> adminTokenIdsByHash = new ConcurrentSkipListMap<>();
    private final ReentrantLock lock = new ReentrantLock();
    private final List<Consumer<Change>> listeners = new CopyOnWriteArrayList<>();
    private final long replayed;
    private long appliedSequence;
    private int sinceCheckpoint;
    private long lastAuditId;
    /** Per site id, its newest refused enrolment audit record (derived, see {@link #lastEnrolmentRefusal}). */
    private final Map<String, AuditRecord> enrolmentRefusals = new java.util.concurrent.ConcurrentHashMap<>();
    /** In-memory changes ({@link #seen}) not in the last checkpoint. Guarded by {@link #lock}. */
    private boolean softChanges;
    private long lastCheckpointNanos = System.nanoTime();
    private volatile boolean closed;

    private ControllerStore(StoreOptions options, WriteAheadLog wal, Snapshot snapshot) {
        this.options = options;
        this.wal = wal;
        this.appliedSequence = snapshot.appliedSequence();
        load(snapshot);
        this.replayed = replay();
    }

    /**
     * Opens (creating if needed) the store in {@code options.dataDir()}: opens and recovers the log (which also locks
     * the directory against a second controller), loads the last checkpoint and replays the log after it; then, when
     * it has no organisation, creates the first one and moves everything into it (see the class comment).
     *
     * @throws StoreException when the directory is in use or cannot be read, or the checkpoint and the log disagree
     */
    public static ControllerStore open(StoreOptions options) {
        Path dir = options.dataDir();
        WriteAheadLog wal = null;
        try {
            Files.createDirectories(dir);
            wal = WriteAheadLog.open(options.wal());
            RecoveryReport recovery = wal.recoveryReport();
            if (recovery.damaged()) {
                LOG.log(System.Logger.Level.WARNING, "controller write-ahead log recovery: " + recovery.describe());
            }
            Snapshot snapshot = Snapshot.read(dir).orElse(new Snapshot(Snapshot.SCHEMA, 0, Map.of()));
            if (snapshot.schemaVersion() > Snapshot.SCHEMA) {
                throw new StoreException("checkpoint " + dir.resolve(Snapshot.FILE) + " has schema version "
                        + snapshot.schemaVersion() + " but this build knows only " + Snapshot.SCHEMA
                        + "; run the newer patronus-controller or restore a backup");
            }
            if (snapshot.appliedSequence() > wal.lastSequence()) {
                throw new StoreException("checkpoint " + dir.resolve(Snapshot.FILE) + " covers log sequence "
                        + snapshot.appliedSequence() + " but the log in " + options.wal().directory() + " ends at "
                        + wal.lastSequence() + ": the log was truncated or replaced; restore the matching log or backup");
            }
            ControllerStore store = new ControllerStore(options, wal, snapshot);
            try {
                store.migrateToOrganisations();
            } catch (RuntimeException e) {
                store.closeWithoutCheckpoint();
                throw e;
            }
            return store;
        } catch (IOException e) {
            closeQuietly(wal);
            throw new StoreException("cannot create the controller data directory " + dir.toAbsolutePath() + ": " + e, e);
        } catch (WalException e) {
            closeQuietly(wal);
            throw new StoreException("cannot open the controller's write-ahead log in " + options.wal().directory()
                    + ": " + e.getMessage() + " (is another patronus-controller using " + dir.toAbsolutePath() + "?)", e);
        } catch (RuntimeException e) {
            closeQuietly(wal);
            if (e instanceof StoreException) {
                throw e;
            }
            throw new StoreException("cannot open the controller store in " + dir.toAbsolutePath() + ": " + e.getMessage(), e);
        }
    }

    /**
     * Creates the first organisation when there is none (a deleted one counts: its id stays taken) and moves every
     * object without an organisation into it, in one change. In a store written before schema 3 that is everything;
     * in a new store, nothing.
     */
    private void migrateToOrganisations() {
        if (!organisations.isEmpty()) {
            return;
        }
        String first = OrganisationRecord.FIRST;
        transact("system", tx -> {
            tx.putOrganisation(new OrganisationRecord(first, options.firstOrganisation(), tx.now(), "system", Optional.empty()));
            long siteCount = sites.values().stream().filter(x -> x.organisation().isEmpty()).count();
            long groupCount = groups.values().stream().filter(x -> x.organisation().isEmpty()).count();
            long tokenCount = tokens.values().stream().filter(x -> x.organisation().isEmpty()).count();
            long rolloutCount = rollouts.values().stream().filter(x -> x.organisation().isEmpty()).count();
            long eventCount = events.values().stream().filter(x -> x.organisation().isEmpty()).count();
            long auditCount = audit.values().stream().filter(x -> x.organisation().isEmpty()).count();
            String moved = "";
            if (siteCount + groupCount + tokenCount + rolloutCount + eventCount + auditCount > 0) {
                tx.put(new Change.Op.AssignOrganisation(first));
                moved = siteCount + " site(s) (with their appliances), " + groupCount + " group(s), " + tokenCount
                        + " enrolment token(s), " + rolloutCount + " rollout(s), " + eventCount + " telemetry event(s) and "
                        + auditCount + " audit record(s)";
                LOG.log(System.Logger.Level.INFO, "controller store in " + options.dataDir() + " migrated to schema "
                        + Snapshot.SCHEMA + ": " + moved + " moved into organisation " + first);
            }
            return tx.audit(first, "system", "organisation.create", "organisation/" + first, "first organisation, named '"
                    + options.firstOrganisation() + "' after the controller's organisation setting"
                    + (moved.isEmpty() ? "" : "; schema 3 migration: " + moved + " moved into it"), "");
        });
    }

    /** Closes the log after a failed open, without writing a checkpoint of a state that may be incomplete. */
    private void closeWithoutCheckpoint() {
        lock.lock();
        try {
            closed = true;
            wal.close();
        } finally {
            lock.unlock();
        }
    }

    private static void closeQuietly(WriteAheadLog wal) {
        if (wal != null) {
            try {
                wal.close();
            } catch (RuntimeException ignored) {
                // already failing
            }
        }
    }

    // ---- loading and replay ----------------------------------------------------------------------------------------

    private void load(Snapshot s) {
        loadMap(s, SITES, SiteRecord.class, (k, v) -> sites.put(k, v));
        // Keyed again from the record: a schema 2 checkpoint keys groups by name alone.
        loadMap(s, GROUPS, GroupRecord.class, (k, v) -> groups.put(GroupRecord.key(v.organisation(), v.name()), v));
        loadMap(s, TOKENS, TokenRecord.class, (k, v) -> {
            tokens.put(k, v);
            tokenIdsByHash.put(v.secretSha256(), k);
        });
        loadMap(s, APPLIANCES, ApplianceRecord.class, (k, v) -> appliances.put(k, v));
        loadMap(s, LEGACY_BUNDLES, LegacyBundle.class, (k, v) -> published.put(k, v.asVersion()));
        loadMap(s, PUBLISHED, BundleVersion.class, (k, v) -> published.put(k, v));
        loadMap(s, EVENTS, StoredEvent.class, (k, v) -> events.put(k, v));
        loadMap(s, TELEMETRY, TelemetryCounter.class, (k, v) -> telemetry.put(k, v));
        loadMap(s, AUDIT, AuditRecord.class, (k, v) -> audit.put(Long.parseLong(k), v));
        audit.values().forEach(this::noteEnrolmentRefusal);
        lastAuditId = Math.max(audit.isEmpty() ? 0 : audit.lastKey(),
                Long.parseLong(s.maps().getOrDefault(COUNTERS, Map.of()).getOrDefault(LAST_AUDIT_ID, "0")));
        loadMap(s, ROLLOUTS, RolloutRecord.class, (k, v) -> rollouts.put(k, v));
        loadMap(s, KEY_ROTATIONS, KeyRotationRecord.class, (k, v) -> keyRotations.put(k, v));
        loadMap(s, ORGANISATIONS, OrganisationRecord.class, (k, v) -> organisations.put(k, v));
        loadMap(s, ADMIN_TOKENS, AdminTokenRecord.class, (k, v) -> {
            adminTokens.put(k, v);
            adminTokenIdsByHash.put(v.secretSha256(), k);
        });
    }

    private static <T> void loadMap(Snapshot s, String name, Class<T> type, java.util.function.BiConsumer<String, T> into) {
        s.maps().getOrDefault(name, Map.of()).forEach((k, json) -> into.accept(k, decode(json, type, name + "/" + k)));
    }

    private Snapshot snapshot() {
        Map<String, Map<String, String>> maps = new HashMap<>();
        maps.put(SITES, encodeAll(sites));
        maps.put(GROUPS, encodeAll(groups));
        maps.put(TOKENS, encodeAll(tokens));
        maps.put(APPLIANCES, encodeAll(appliances));
        maps.put(PUBLISHED, encodeAll(published));
        maps.put(COUNTERS, Map.of(LAST_AUDIT_ID, Long.toString(lastAuditId)));
        maps.put(EVENTS, encodeAll(events));
        maps.put(TELEMETRY, encodeAll(telemetry));
        Map<String, String> a = new HashMap<>();
        audit.forEach((k, v) -> a.put(Long.toString(k), encode(v)));
        maps.put(AUDIT, a);
        maps.put(ROLLOUTS, encodeAll(rollouts));
        maps.put(KEY_ROTATIONS, encodeAll(keyRotations));
        maps.put(ORGANISATIONS, encodeAll(organisations));
        maps.put(ADMIN_TOKENS, encodeAll(adminTokens));
        return new Snapshot(Snapshot.SCHEMA, appliedSequence, maps);
    }

    private static <T> Map<String, String> encodeAll(Map<String, T> values) {
        Map<String, String> out = new HashMap<>();
        values.forEach((k, v) -> out.put(k, encode(v)));
        return out;
    }

    private long replay() {
        long[] count = {0};
        wal.replay(appliedSequence, record -> {
            if (record.type() == RecordType.STATE_MUTATION) {
                apply(decodeChange(record));
                count[0]++;
            }
            appliedSequence = record.sequence();
        });
        if (count[0] > 0) {
            LOG.log(System.Logger.Level.INFO, "replayed " + count[0] + " logged changes after the last checkpoint");
        }
        return count[0];
    }

    private static Change decodeChange(LogRecord record) {
        try {
            return Json.mapper().readValue(record.payload(), Change.class);
        } catch (IOException e) {
            throw new StoreException("log record " + record.sequence() + " is a controller change that cannot be decoded: "
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

    // ---- transactions ---------------------------------------------------------------------------------------------

    /**
     * Runs {@code body} under the store's lock and writes what it put as one durable change, then applies it. When the
     * body throws, nothing is written and the exception propagates. Thread-safe; blocks while another transaction runs.
     *
     * @param actor who makes the change, kept in the log record
     * @throws StoreException when the log cannot be written (the change is then not applied)
     */
    public <T> T transact(String actor, Function<Tx, T> body) {
        lock.lock();
        try {
            ensureOpen();
            Tx tx = new Tx(this, options.clock().instant(), nextAuditId());
            T result = body.apply(tx);
            if (!tx.isEmpty()) {
                Change change = new Change(tx.ops(), actor, tx.now());
                long seq = wal.append(RecordType.STATE_MUTATION, Json.mapper().writeValueAsBytes(change));
                apply(change);
                appliedSequence = seq;
                if (++sinceCheckpoint >= options.checkpointEvery()) {
                    checkpointLocked();
                }
            }
            return result;
        } catch (JsonProcessingException e) {
            throw new StoreException("cannot encode a change by " + actor + ": " + e.getMessage(), e);
        } catch (WalException e) {
            throw new StoreException("the change by " + actor + " was not saved: the write-ahead log failed: "
                    + e.getMessage(), e);
        } finally {
            lock.unlock();
        }
    }

    /** Writes a change that only adds an audit record; {@code organisation} as in {@link AuditRecord}. */
    public void audit(String organisation, String actor, String action, String target, String message, String remote) {
        transact(actor, tx -> tx.audit(organisation, actor, action, target, message, remote));
    }

    /** Writes a change that only adds the audit record of a refusal; {@code organisation} as in {@link AuditRecord}. */
    public void refusal(String organisation, String actor, String action, String target, String code, String message,
                        String remote) {
        transact(actor, tx -> tx.refusal(organisation, actor, action, target, code, message, remote));
    }

    /** The route whose refusals {@link #lastEnrolmentRefusal} keeps. */
    public static final String ENROL_ACTION = "POST /v1/enrol";

    /**
     * The last refused enrolment attempt for a site (a device that presented one of its tokens and was refused: the
     * token expired, replayed, bound to another serial, a bad CSR, ...), while its audit record is kept: what an
     * operator looks for when a box on site "does not come up". Derived from the audit records, so nothing more is
     * stored.
     */
    public Optional<AuditRecord> lastEnrolmentRefusal(String siteId) {
        return Optional.ofNullable(enrolmentRefusals.get(siteId));
    }

    private void noteEnrolmentRefusal(AuditRecord a) {
        if (a.action().equals(ENROL_ACTION) && a.outcome().equals("refused") && a.target().startsWith("site/")) {
            enrolmentRefusals.merge(a.target().substring("site/".length()), a, (old, now) -> now.id() > old.id() ? now : old);
        }
    }

    private long nextAuditId() {
        return lastAuditId + 1;
    }

    private void apply(Change change) {
        for (Change.Op op : change.ops()) {
            switch (op) {
                case Change.Op.PutSite p -> sites.put(p.site().id(), p.site());
                case Change.Op.DeleteSite d -> sites.remove(d.id());
                case Change.Op.PutGroup p -> groups.put(GroupRecord.key(p.group().organisation(), p.group().name()), p.group());
                case Change.Op.PutToken p -> {
                    tokens.put(p.token().id(), p.token());
                    tokenIdsByHash.put(p.token().secretSha256(), p.token().id());
                }
                case Change.Op.PutAppliance p -> appliances.put(p.appliance().siteId(), p.appliance());
                case Change.Op.DeleteAppliance d -> appliances.remove(d.siteId());
                case Change.Op.PutBundle p -> published.put(p.bundle().siteId(), p.bundle().asVersion());
                case Change.Op.Publish p -> applyPublish(p);
                case Change.Op.DeleteBundle d -> published.remove(d.siteId());
                case Change.Op.Status p -> applyStatus(p);
                case Change.Op.PutEvents p -> applyEvents(p);
                case Change.Op.PruneEvents p -> pruneEvents(p.before());
                case Change.Op.PutAudit p -> {
                    audit.put(p.audit().id(), p.audit());
                    lastAuditId = Math.max(lastAuditId, p.audit().id());
                    noteEnrolmentRefusal(p.audit());
                }
                case Change.Op.PruneAudit p -> {
                    audit.values().removeIf(a -> a.at().isBefore(p.before()));
                    enrolmentRefusals.values().removeIf(a -> a.at().isBefore(p.before()));
                }
                case Change.Op.PutRollout p -> rollouts.put(p.rollout().id(), p.rollout());
                case Change.Op.PutKeyRotation p -> keyRotations.put(p.rotation().siteId(), p.rotation());
                case Change.Op.DeleteKeyRotation d -> keyRotations.remove(d.siteId());
                case Change.Op.StartTelemetryStream t -> telemetry.computeIfPresent(t.siteId(), (k, c) -> c.newStream());
                case Change.Op.PutOrganisation p -> organisations.put(p.organisation().id(), p.organisation());
                case Change.Op.AssignOrganisation a -> assignOrganisation(a.organisation());
                case Change.Op.PutAdminToken p -> {
                    adminTokens.put(p.token().id(), p.token());
                    adminTokenIdsByHash.put(p.token().secretSha256(), p.token().id());
                }
            }
        }
        for (Consumer<Change> l : listeners) {
            try {
                l.accept(change);
            } catch (RuntimeException e) {
                LOG.log(System.Logger.Level.WARNING, "store listener failed: " + e, e);
            }
        }
    }

    /** The schema 3 migration: what has no organisation joins {@code org} (see {@link Change.Op.AssignOrganisation}). */
    private void assignOrganisation(String org) {
        sites.replaceAll((k, v) -> v.organisation().isEmpty() ? v.withOrganisation(org) : v);
        for (GroupRecord g : List.copyOf(groups.values())) {
            if (g.organisation().isEmpty()) {
                groups.remove(GroupRecord.key(g.organisation(), g.name()));
                groups.put(GroupRecord.key(org, g.name()), g.withOrganisation(org));
            }
        }
        tokens.replaceAll((k, v) -> v.organisation().isEmpty() ? v.withOrganisation(org) : v);
        rollouts.replaceAll((k, v) -> v.organisation().isEmpty() ? v.withOrganisation(org) : v);
        events.replaceAll((k, v) -> v.organisation().isEmpty() ? v.withOrganisation(org) : v);
        audit.replaceAll((k, v) -> v.organisation().isEmpty() ? v.withOrganisation(org) : v);
    }

    private void applyEvents(Change.Op.PutEvents p) {
        TelemetryCounter c = telemetry.getOrDefault(p.siteId(), new TelemetryCounter(p.siteId(), 0, 0, 0));
        long stored = c.stored();
        long highest = c.highestSequence();
        for (StoredEvent e : p.events()) {
            if (events.put(StoredEvent.key(e.siteId(), e.sequence()), e) == null) {
                stored++;
            }
            highest = Math.max(highest, e.sequence());
        }
        telemetry.put(p.siteId(), c.with(stored, c.duplicates() + p.duplicates(), highest, c.prunedThrough()));
    }

    private void applyPublish(Change.Op.Publish p) {
        published.put(p.siteId(), new BundleVersion(p.siteId(), p.version(), p.issuedAt(), p.digest()));
        ApplianceRecord a = appliances.get(p.siteId());
        if (a != null && a.desiredVersion() < p.version()) {
            appliances.put(a.siteId(), a.toBuilder().desiredVersion(p.version()).build());
        }
    }

    private void applyStatus(Change.Op.Status s) {
        ApplianceRecord a = appliances.get(s.siteId());
        if (a == null) {
            return; // deleted meanwhile: the report has nothing left to update
        }
        appliances.put(a.siteId(), s.applyTo(a));
    }

    /** Removes the events received before {@code before}, remembering per site the highest sequence removed. */
    private void pruneEvents(Instant before) {
        Map<String, Long> highest = new HashMap<>();
        events.values().removeIf(e -> {
            if (!e.receivedAt().isBefore(before)) {
                return false;
            }
            highest.merge(e.siteId(), e.sequence(), Math::max);
            return true;
        });
        highest.forEach((site, seq) -> {
            TelemetryCounter c = telemetry.getOrDefault(site, new TelemetryCounter(site, 0, 0, 0));
            telemetry.put(site, c.with(c.stored(), c.duplicates(), c.highestSequence(), Math.max(c.prunedThrough(), seq)));
        });
    }

    /** Registers a callback run after each applied change (not for the changes replayed at open). */
    public void addListener(Consumer<Change> listener) {
        listeners.add(listener);
    }

    // ---- reads -------------------------------------------------------------------------------------------------------

    /** All sites by id. Thread-safe, lock-free; so are the other reads. */
    public List<SiteRecord> sites() {
        return List.copyOf(sites.values());
    }

    /** The sites of one organisation, by id. */
    public List<SiteRecord> sites(String organisation) {
        return sites.values().stream().filter(s -> s.organisation().equals(organisation)).toList();
    }

    public Optional<SiteRecord> site(String id) {
        return Optional.ofNullable(sites.get(id));
    }

    /** Every configured group, by organisation and name. */
    public List<GroupRecord> groups() {
        return List.copyOf(groups.values());
    }

    /** The configured groups of one organisation, by name. */
    public List<GroupRecord> groups(String organisation) {
        // Keys are "organisation/name", and '0' is the character after '/'.
        return List.copyOf(groups.subMap(organisation + "/", organisation + "0").values());
    }

    /** A configured group; names are unique within their organisation only. */
    public Optional<GroupRecord> group(String organisation, String name) {
        return Optional.ofNullable(groups.get(GroupRecord.key(organisation, name)));
    }

    /** Every organisation, the deleted ones included, by id. */
    public List<OrganisationRecord> organisations() {
        return List.copyOf(organisations.values());
    }

    /** The organisations that are not deleted, by id. */
    public List<OrganisationRecord> liveOrganisations() {
        return organisations.values().stream().filter(OrganisationRecord::live).toList();
    }

    /** An organisation, deleted or not. */
    public Optional<OrganisationRecord> organisation(String id) {
        return Optional.ofNullable(organisations.get(id));
    }

    /** Every organisation admin token, revoked ones included, by id. */
    public List<AdminTokenRecord> adminTokens() {
        return List.copyOf(adminTokens.values());
    }

    public Optional<AdminTokenRecord> adminToken(String id) {
        return Optional.ofNullable(adminTokens.get(id));
    }

    /** The organisation admin token whose secret has this SHA-256 (lower-case hex). */
    public Optional<AdminTokenRecord> adminTokenBySecretHash(String sha256) {
        return Optional.ofNullable(adminTokenIdsByHash.get(sha256)).map(adminTokens::get);
    }

    public List<TokenRecord> tokens() {
        return List.copyOf(tokens.values());
    }

    public Optional<TokenRecord> token(String id) {
        return Optional.ofNullable(tokens.get(id));
    }

    /** The token whose secret has this SHA-256 (lower-case hex). */
    public Optional<TokenRecord> tokenBySecretHash(String sha256) {
        return Optional.ofNullable(tokenIdsByHash.get(sha256)).map(tokens::get);
    }

    public List<ApplianceRecord> appliances() {
        return List.copyOf(appliances.values());
    }

    public Optional<ApplianceRecord> appliance(String siteId) {
        return Optional.ofNullable(appliances.get(siteId));
    }

    /** The newest bundle version published for the site's appliance (the fact; the publisher renders the bundle). */
    public Optional<BundleVersion> bundle(String siteId) {
        return Optional.ofNullable(published.get(siteId));
    }

    // ---- in-memory updates, retention ----------------------------------------------------------------------------------

    /**
     * Records a status report that changed nothing durable (a heartbeat): the appliance's {@code lastSeen}, path
     * summary and, when it sent its configuration, {@code observedAt}. Kept in memory and written by the next
     * checkpoint, not journalled (see the class comment). Does nothing for an unknown appliance. Thread-safe.
     */
    public void seen(String siteId, Instant at, PathSummary paths, boolean observedReported) {
        lock.lock();
        try {
            ensureOpen();
            ApplianceRecord a = appliances.get(siteId);
            if (a == null) {
                return;
            }
            ApplianceRecord.Builder b = a.toBuilder().lastSeen(at).paths(paths);
            if (observedReported) {
                b.observedAt(at);
            }
            appliances.put(siteId, b.build());
            softChanges = true;
        } finally {
            lock.unlock();
        }
    }

    /** What {@link #prune} removed. */
    public record Pruned(long events, long auditRecords) {
    }

    /**
     * Removes the telemetry events received before {@code eventsBefore} and the audit records older than
     * {@code auditBefore} (empty: keep them), in one durable change with an audit line saying how many; nothing is
     * written when nothing is old enough. A telemetry event resent after its first copy was removed still counts as a
     * duplicate ({@link TelemetryCounter#prunedThrough()}). Thread-safe.
     */
    public Pruned prune(String actor, Optional<Instant> eventsBefore, Optional<Instant> auditBefore) {
        return transact(actor, tx -> {
            long e = eventsBefore.map(t -> events.values().stream().filter(x -> x.receivedAt().isBefore(t)).count()).orElse(0L);
            long a = auditBefore.map(t -> audit.values().stream().filter(x -> x.at().isBefore(t)).count()).orElse(0L);
            if (e > 0) {
                tx.put(new Change.Op.PruneEvents(eventsBefore.get()));
            }
            if (a > 0) {
                tx.put(new Change.Op.PruneAudit(auditBefore.get()));
            }
            if (e > 0 || a > 0) {
                tx.audit("", actor, "retention.prune", "store", "removed " + e + " telemetry event(s) received before "
                        + eventsBefore.map(Instant::toString).orElse("-") + " and " + a + " audit record(s) before "
                        + auditBefore.map(Instant::toString).orElse("-"), "");
            }
            return new Pruned(e, a);
        });
    }

    /** Whether the event (site, sequence) is stored. */
    public boolean hasEvent(String siteId, long sequence) {
        return events.containsKey(StoredEvent.key(siteId, sequence));
    }

    /** Events matching {@code filter}, in (site, sequence) order. */
    public List<StoredEvent> events(Optional<String> siteId, Predicate<StoredEvent> filter) {
        NavigableMap<String, StoredEvent> range = siteId.isPresent()
                ? events.subMap(siteId.get() + "|", true, siteId.get() + "|~", false) : events;
        return range.values().stream().filter(filter).toList();
    }

    public Optional<TelemetryCounter> telemetry(String siteId) {
        return Optional.ofNullable(telemetry.get(siteId));
    }

    public List<TelemetryCounter> telemetry() {
        return List.copyOf(telemetry.values());
    }

    /** Audit records matching {@code filter}, oldest first. */
    public List<AuditRecord> audit(Predicate<AuditRecord> filter) {
        return audit.values().stream().filter(filter).toList();
    }

    public List<RolloutRecord> rollouts() {
        return rollouts.values().stream().sorted(Comparator.comparing(RolloutRecord::createdAt)
                .thenComparing(RolloutRecord::id)).toList();
    }

    public Optional<RolloutRecord> rollout(String id) {
        return Optional.ofNullable(rollouts.get(id));
    }

    /** The latest key rotation of every site that had one, by site id. */
    public List<KeyRotationRecord> keyRotations() {
        return List.copyOf(keyRotations.values());
    }

    /** The latest key rotation of a site. */
    public Optional<KeyRotationRecord> keyRotation(String siteId) {
        return Optional.ofNullable(keyRotations.get(siteId));
    }

    // ---- checkpoints, lifecycle ---------------------------------------------------------------------------------------

    /**
     * Writes a checkpoint when changes were journalled since the last one, or when only in-memory changes
     * ({@link #seen}) were made and the last checkpoint is at least {@code softInterval} old; true when it wrote
     * one. Thread-safe.
     */
    public boolean checkpointIfDue(Duration softInterval) {
        lock.lock();
        try {
            ensureOpen();
            boolean soft = softChanges && System.nanoTime() - lastCheckpointNanos >= softInterval.toNanos();
            if (sinceCheckpoint == 0 && !soft) {
                return false;
            }
            checkpointLocked();
            return true;
        } finally {
            lock.unlock();
        }
    }

    /** Writes a checkpoint of every map and retires the log segments it covers. Thread-safe. */
    public void checkpoint() {
        lock.lock();
        try {
            ensureOpen();
            checkpointLocked();
        } finally {
            lock.unlock();
        }
    }

    private void checkpointLocked() {
        snapshot().write(options.dataDir());
        sinceCheckpoint = 0;
        softChanges = false;
        lastCheckpointNanos = System.nanoTime();
        wal.checkpoint(appliedSequence);
    }

    /** The time by the store's clock (the one transactions are stamped with). */
    public Instant now() {
        return options.clock().instant();
    }

    /** The last log sequence applied. */
    public long appliedSequence() {
        return appliedSequence;
    }

    /** The write-ahead log's counters (appends, bytes written, fsyncs), for diagnostics and the benchmark. */
    public WalStats walStats() {
        return wal.stats();
    }

    /** How many changes the last open replayed from the log. */
    public long replayedAtOpen() {
        return replayed;
    }

    private void ensureOpen() {
        if (closed) {
            throw new StoreException("the controller store in " + options.dataDir() + " is closed");
        }
    }

    /** Checkpoints, closes the log and releases the data directory. Calling it again does nothing. */
    @Override
    public void close() {
        lock.lock();
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
        } finally {
            lock.unlock();
        }
    }
}
