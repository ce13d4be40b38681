package io.patronus.controller.fleet;

import io.patronus.controller.config.ControllerConfig;
import io.patronus.controller.store.ApplianceRecord;
import io.patronus.controller.store.ControllerStore;
import io.patronus.controller.store.GroupConfig;
import io.patronus.controller.store.GroupRecord;
import io.patronus.controller.store.RolloutRecord;
import io.patronus.controller.store.SiteRecord;
import io.patronus.controller.store.Tx;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Releases a group configuration change wave by wave.
 *
 * <p>Groups, and so rollouts, belong to one organisation: a change of {@code default} in one organisation moves only
 * that organisation's sites.
 *
 * <p>A change of a group's configuration makes a new revision and a rollout. The group's enrolled sites, ordered by
 * id, are cut into cumulative waves (default: the first appliance as canary, then 50%, then all). Releasing a wave
 * moves its sites to the new revision and publishes their bundles; the wave is healthy when each of its appliances
 * reports the new version (or a later one) applied and no path down. A healthy wave releases the next; a rollback or
 * rejection of the released version, or a wave not healthy within the gate timeout, halts the rollout: released
 * sites keep the new revision, the others keep the old one until the operator changes the group again or pushes.
 * Sites of the group without an appliance get the new revision at once (there is nothing to gate on).
 *
 * <p>Every step is stored (the rollout record and the sites' revisions), and {@link #tick} resumes from whatever it
 * finds, so a restart in the middle of a rollout continues it. Thread-safety: all methods serialise on one lock.
 */
public final class RolloutEngine {
    private static final System.Logger LOG = System.getLogger(RolloutEngine.class.getName());

    private final ControllerStore store;
    private final ConfigPublisher publisher;
    private final Clock clock;
    private final List<String> defaultWaves;
    private final Duration defaultGateTimeout;
    private final ReentrantLock lock = new ReentrantLock();

    public RolloutEngine(ControllerStore store, ConfigPublisher publisher, ControllerConfig config, Clock clock) {
        this.store = store;
        this.publisher = publisher;
        this.clock = clock;
        this.defaultWaves = config.rolloutWaves();
        this.defaultGateTimeout = config.rolloutGateTimeout();
    }

    /** The result of a group change: the group as stored, and the rollout it started when the configuration changed. */
    public record GroupChange(GroupRecord group, boolean changed, Optional<RolloutRecord> rollout) {
    }

    /**
     * Makes {@code config} the new revision of the organisation's group and starts rolling it out.
     *
     * @param waves       wave specification, empty for the configured default
     * @param gateTimeout empty for the configured default
     * @throws FleetException 409 when a site of the group would get conflicting policies
     */
    public GroupChange changeGroup(String organisation, String groupName, GroupConfig config, List<String> waves,
                                   Optional<Duration> gateTimeout, String actor, String remote) {
        List<String> waveSpec = waves.isEmpty() ? defaultWaves : waves;
        String waveProblem = ControllerConfig.wavesProblem(waveSpec);
        if (waveProblem != null) {
            throw new FleetException(422, "invalid_field", "rollout.waves: " + waveProblem, Optional.of("rollout.waves"));
        }
        Duration gate = gateTimeout.orElse(defaultGateTimeout);
        lock.lock();
        try {
            GroupChange change = store.transact(actor, tx -> {
                GroupRecord group = tx.store().group(organisation, groupName)
                        .orElse(GroupRecord.initial(organisation, groupName, tx.now()));
                if (group.current().equals(config)) {
                    return new GroupChange(group, false, Optional.empty());
                }
                List<SiteRecord> members = tx.store().sites(organisation).stream()
                        .filter(s -> s.group().equals(groupName)).toList();
                List<String> conflicts = new ArrayList<>();
                for (SiteRecord s : members) {
                    conflicts.addAll(ConfigRenderer.conflicts(s.id(), config, s.overrides()));
                }
                if (!conflicts.isEmpty()) {
                    throw FleetException.conflict("the new configuration of group " + groupName + " conflicts with site "
                            + "overrides: " + String.join("; ", conflicts), "policies");
                }
                long revision = group.currentRevision() + 1;
                Map<Long, GroupConfig> revisions = new HashMap<>(group.revisions());
                revisions.put(revision, config);
                Set<Long> used = new HashSet<>(List.of(revision));
                members.forEach(s -> used.add(s.groupRevision()));
                revisions.keySet().retainAll(used);
                GroupRecord updated = new GroupRecord(organisation, groupName, revision, revisions, tx.now());
                tx.putGroup(updated);
                for (RolloutRecord r : tx.store().rollouts()) {
                    if (r.running() && r.organisation().equals(organisation) && r.group().equals(groupName)) {
                        tx.putRollout(r.with("SUPERSEDED", "group " + groupName + " changed again (revision " + revision
                                + ")", r.currentWave(), r.waves(), tx.now()));
                    }
                }
                List<String> enrolled = new ArrayList<>();
                for (SiteRecord s : members) {
                    if (tx.store().appliance(s.id()).isPresent() && s.enrolled()) {
                        enrolled.add(s.id());
                    } else if (s.groupRevision() != revision) {
                        tx.putSite(s.withGroupRevision(revision));
                    }
                }
                List<RolloutRecord.Wave> planned = plan(enrolled, waveSpec).stream()
                        .map(sites -> new RolloutRecord.Wave(sites, "PENDING", Optional.empty(), Optional.empty(), Map.of(), ""))
                        .toList();
                String id = "rollout-" + (tx.store().rollouts().size() + 1);
                RolloutRecord rollout = new RolloutRecord(id, organisation, groupName, group.currentRevision(), revision,
                        planned.isEmpty() ? "COMPLETED" : "RUNNING",
                        planned.isEmpty() ? "the group has no enrolled appliance" : "", -1, planned, gate, tx.now(),
                        tx.now(), actor);
                tx.putRollout(rollout);
                tx.audit(organisation, actor, "group.config.put", "group/" + groupName, "revision " + revision + " (" + config.policies().size()
                        + " policies, " + config.slaClasses().size() + " SLA classes), " + id + " with waves "
                        + planned.stream().map(w -> String.valueOf(w.sites().size())).toList(), remote);
                return new GroupChange(updated, true, Optional.of(rollout));
            });
            if (change.rollout().isPresent() && change.rollout().get().running()) {
                step(change.rollout().get().id());
                return new GroupChange(change.group(), true, store.rollout(change.rollout().get().id()));
            }
            return change;
        } finally {
            lock.unlock();
        }
    }

    /**
     * Releases the current revision of the organisation's group to every site at once, superseding a running rollout
     * (the operator's override after a halt, or to skip the waves).
     */
    public GroupRecord push(String organisation, String groupName, String actor, String remote) {
        lock.lock();
        try {
            GroupRecord group = store.transact(actor, tx -> {
                GroupRecord g = tx.store().group(organisation, groupName).orElseThrow(() -> FleetException.notFound("group "
                        + groupName + " of organisation " + organisation + " has no configuration yet: set one with PUT "
                        + "/v1/admin/groups/" + groupName + "/config?organisation=" + organisation));
                for (SiteRecord s : tx.store().sites(organisation)) {
                    if (s.group().equals(groupName) && s.groupRevision() != g.currentRevision()) {
                        tx.putSite(s.withGroupRevision(g.currentRevision()));
                    }
                }
                for (RolloutRecord r : tx.store().rollouts()) {
                    if (r.running() && r.organisation().equals(organisation) && r.group().equals(groupName)) {
                        tx.putRollout(r.with("SUPERSEDED", "revision " + g.currentRevision() + " pushed to every site by "
                                + actor, r.currentWave(), r.waves(), tx.now()));
                    }
                }
                tx.audit(organisation, actor, "group.config.push", "group/" + groupName, "revision " + g.currentRevision()
                        + " released to every site", remote);
                return g;
            });
            publisher.reconcile(actor);
            return group;
        } finally {
            lock.unlock();
        }
    }

    /** Advances every running rollout: releases pending waves, checks gates and timeouts. Thread-safe. */
    public void tick() {
        lock.lock();
        try {
            for (RolloutRecord r : store.rollouts()) {
                if (r.running()) {
                    try {
                        step(r.id());
                    } catch (RuntimeException e) {
                        LOG.log(System.Logger.Level.WARNING, "rollout " + r.id() + " could not advance: " + e, e);
                    }
                }
            }
        } finally {
            lock.unlock();
        }
    }

    /** One or more steps of one rollout, until it waits for appliances or ends. Called with the lock held. */
    private void step(String id) {
        for (int guard = 0; guard < 1000; guard++) {
            RolloutRecord r = store.rollout(id).orElseThrow();
            if (!r.running()) {
                return;
            }
            int i = r.currentWave();
            if (i < 0 || r.waves().get(i).state().equals("HEALTHY")) {
                if (i + 1 >= r.waves().size()) {
                    store.transact("rollout:" + id, tx -> tx.putRollout(r.with("COMPLETED", "every wave healthy",
                            i, r.waves(), tx.now())));
                    return;
                }
                release(r, i + 1);
                continue;
            }
            RolloutRecord.Wave wave = r.waves().get(i);
            if (wave.state().equals("PENDING")) {
                release(r, i);
                continue;
            }
            if (!gate(r, i)) {
                return;
            }
        }
    }

    private void release(RolloutRecord r, int index) {
        RolloutRecord.Wave wave = r.waves().get(index);
        String actor = "rollout:" + r.id();
        store.transact(actor, tx -> {
            for (String siteId : wave.sites()) {
                tx.store().site(siteId).filter(s -> s.organisation().equals(r.organisation()) && s.group().equals(r.group())
                                && s.groupRevision() != r.toRevision())
                        .ifPresent(s -> tx.putSite(s.withGroupRevision(r.toRevision())));
            }
            return null;
        });
        publisher.reconcile(actor);
        store.transact(actor, tx -> {
            Map<String, Long> targets = new HashMap<>();
            for (String siteId : wave.sites()) {
                tx.store().appliance(siteId).ifPresent(a -> targets.put(siteId, a.desiredVersion()));
            }
            List<RolloutRecord.Wave> waves = new ArrayList<>(r.waves());
            waves.set(index, wave.with("RELEASED", Optional.of(tx.now()), Optional.empty(), targets,
                    "waiting for " + targets.size() + " appliance(s) to apply and report paths up"));
            tx.putRollout(r.with("RUNNING", "", index, waves, tx.now()));
            tx.audit(r.organisation(), actor, "rollout.wave.release", "group/" + r.group(), "wave " + (index + 1) + " of " + r.waves().size()
                    + ": " + wave.sites(), "");
            return null;
        });
    }

    /** Checks the released wave {@code i}; true when the rollout moved on (healthy) and should step again. */
    private boolean gate(RolloutRecord r, int i) {
        RolloutRecord.Wave wave = r.waves().get(i);
        List<String> waiting = new ArrayList<>();
        for (Map.Entry<String, Long> e : wave.targetVersions().entrySet()) {
            Optional<ApplianceRecord> a = store.appliance(e.getKey());
            if (a.isEmpty()) {
                continue; // deleted since: nothing to wait for
            }
            ApplianceRecord ap = a.get();
            long target = e.getValue();
            if (ap.rejectedVersion() >= target) {
                halt(r, i, "site " + ap.siteId() + " " + (ap.state().equals("REJECTED") ? "rejected" : "rolled back")
                        + " version " + ap.rejectedVersion() + (ap.rejectReason().isEmpty() ? "" : ": " + ap.rejectReason()));
                return false;
            }
            boolean healthy = ap.appliedVersion() >= target && ap.paths().down() == 0
                    && !ap.state().equals("ROLLED_BACK") && !ap.state().equals("REJECTED");
            if (!healthy) {
                waiting.add(ap.siteId() + " (applied " + ap.appliedVersion() + " of " + target + ", paths down "
                        + ap.paths().down() + ")");
            }
        }
        Instant now = clock.instant();
        if (waiting.isEmpty()) {
            store.transact("rollout:" + r.id(), tx -> {
                List<RolloutRecord.Wave> waves = new ArrayList<>(r.waves());
                waves.set(i, wave.with("HEALTHY", wave.releasedAt(), Optional.of(tx.now()), wave.targetVersions(),
                        "every appliance applied its version with paths up"));
                return tx.putRollout(r.with("RUNNING", "", i, waves, tx.now()));
            });
            return true;
        }
        Instant released = wave.releasedAt().orElse(r.updatedAt());
        if (!now.isBefore(released.plus(r.gateTimeout()))) {
            halt(r, i, "wave " + (i + 1) + " not healthy within " + r.gateTimeout().toSeconds() + " s: " + String.join(", ", waiting));
        }
        return false;
    }

    private void halt(RolloutRecord r, int i, String reason) {
        String actor = "rollout:" + r.id();
        store.transact(actor, (Tx tx) -> {
            List<RolloutRecord.Wave> waves = new ArrayList<>(r.waves());
            RolloutRecord.Wave w = waves.get(i);
            waves.set(i, w.with("FAILED", w.releasedAt(), Optional.of(tx.now()), w.targetVersions(), reason));
            tx.putRollout(r.with("HALTED", reason, i, waves, tx.now()));
            tx.audit(r.organisation(), actor, "rollout.halt", "group/" + r.group(), reason, "");
            return null;
        });
        LOG.log(System.Logger.Level.WARNING, "rollout " + r.id() + " of group " + r.group() + " (organisation "
                + r.organisation() + ") halted: " + reason);
    }

    /**
     * Cuts {@code sites} into cumulative waves: "N" is the first N sites, "P%" the first ceil(P% of all); empty
     * waves (a wave no larger than the one before) are dropped.
     */
    public static List<List<String>> plan(List<String> sites, List<String> spec) {
        List<List<String>> waves = new ArrayList<>();
        int done = 0;
        for (String w : spec) {
            String t = w.trim();
            int upTo = t.endsWith("%")
                    ? (int) Math.ceil(sites.size() * Integer.parseInt(t.substring(0, t.length() - 1)) / 100.0)
                    : Math.min(sites.size(), Integer.parseInt(t));
            if (upTo > done) {
                waves.add(List.copyOf(sites.subList(done, upTo)));
                done = upTo;
            }
        }
        if (done < sites.size()) {
            waves.add(List.copyOf(sites.subList(done, sites.size())));
        }
        return waves;
    }
}
