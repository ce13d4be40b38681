package io.patronus.appliance.classify;

import io.patronus.appliance.bpf.AttachMode;
import io.patronus.appliance.bpf.Bpffs;
import io.patronus.appliance.bpf.TcAttachment;
import io.patronus.appliance.bpf.TcDirection;
import io.patronus.appliance.config.ApplianceConfig;
import io.patronus.appliance.netlink.route.RouteNetlink;
import io.patronus.model.Link;
import io.patronus.model.Policy;
import io.patronus.model.Site;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.function.Supplier;

/**
 * The appliance's traffic classification: keeps the kernel classifier's rule set equal to the configured
 * policies and sites, attaches it to the LAN interface's ingress while there are policies (and detaches it when
 * the last one goes), and answers "what happens to this flow" and "how much did this policy match".
 *
 * <p>On start it adopts what an earlier run left pinned (maps and the tcx link), swapping in its own program
 * without detaching, so a restart never leaves a gap in classification. A rule set the kernel refuses leaves the
 * previous one in force; the error is kept in {@link #status()} and the refresh is retried on the next change.
 * With the in-memory data plane there is no kernel program: explanations work, counters stay at zero.
 *
 * <p>Thread-safe.
 */
public final class PolicyClassifier implements AutoCloseable {
    /** The MSS a SYN into a tunnel may announce: the tunnel's MTU less the IPv4 (20) or IPv6 (40) and TCP (20) headers. */
    static final int TCP_MSS_IPV4 = io.patronus.appliance.tunnel.TunnelPlan.MTU - 40;
    static final int TCP_MSS_IPV6 = io.patronus.appliance.tunnel.TunnelPlan.MTU - 60;

    private static final System.Logger LOG = System.getLogger(PolicyClassifier.class.getName());
    private static final String LINK_PIN = "link_lan_ingress";

    private final String localSiteId;
    private final List<Link> links;
    private final Supplier<List<Site>> sites;
    private final Supplier<List<Policy>> policies;
    private final SlotAssignments slots;
    private final Optional<KernelSide> kernelSide;
    private final Clock clock;
    private volatile ClassifierRules current = ClassifierRules.empty();
    private volatile ClassifierModel explainer = new ClassifierModel(ClassifierRules.empty());
    private volatile Status status;
    private volatile ColourChoices choices = ColourChoices.NONE;
    private KernelClassifier kernel;
    private TcAttachment attachment;

    /** Where and how the kernel program runs; absent for the in-memory data plane. */
    public record KernelSide(String lanInterface, Path pinDir, AttachMode attach) {
    }

    /** What the classifier is doing now, for the API and debug dump. */
    public record Status(String state, String detail, int rules, int generation, Optional<String> lastError, Instant at) {
    }

    /** A policy's counters as the kernel counts them (zeros and {@code live=false} without a kernel program). */
    public record PolicyCounters(String policyId, String policyName, int slot, long packets, long bytes,
                                 long droppedPackets, long droppedBytes, boolean live) {
    }

    /** One verdict's counters. */
    public record VerdictCounters(Verdict verdict, String meaning, long packets, long bytes) {
    }

    public PolicyClassifier(String localSiteId, List<Link> links, Supplier<List<Site>> sites, Supplier<List<Policy>> policies,
                            SlotAssignments slots, Optional<KernelSide> kernelSide, Clock clock) {
        this.localSiteId = localSiteId;
        this.links = List.copyOf(links);
        this.sites = sites;
        this.policies = policies;
        this.slots = slots;
        this.kernelSide = kernelSide;
        this.clock = clock;
        this.status = new Status(kernelSide.isPresent() ? "detached" : "memory",
                kernelSide.isPresent() ? "no policies yet" : "in-memory data plane: packets are not classified here",
                0, 0, Optional.empty(), clock.instant());
    }

    /** The kernel side for a configuration, or empty when the data plane does not touch the host (memory mode). */
    public static Optional<KernelSide> kernelSide(ApplianceConfig config, boolean realDataPlane) {
        ApplianceConfig.DataPlane dp = config.dataPlane();
        if (!realDataPlane || dp.lanInterface().isEmpty()) {
            return Optional.empty();
        }
        AttachMode mode = switch (dp.classifierAttach()) {
            case AUTO -> AttachMode.AUTO;
            case TCX -> AttachMode.TCX;
            case CLSACT -> AttachMode.CLSACT;
        };
        return Optional.of(new KernelSide(dp.lanInterface(), dp.bpfPinDir(), mode));
    }

    /** Rebuilds the rule set from the current state and makes the kernel use it. Never throws: see {@link #status()}. */
    public synchronized void refresh() {
        ClassifierRules next;
        try {
            next = SteeringPlan.build(localSiteId, links, sites.get(), policies.get(), slots, choices);
        } catch (ClassifierException e) {
            fail("the policies cannot be classified: " + e.getMessage());
            return;
        }
        if (kernelSide.isEmpty()) {
            publish(next);
            status = new Status("memory", "in-memory data plane: packets are not classified here", next.rules().size(), 0,
                    Optional.empty(), clock.instant());
            return;
        }
        KernelSide k = kernelSide.get();
        Set<Integer> fresh = slots.takeFresh();
        try {
            if (next.rules().isEmpty() && next.sitePrefixes().isEmpty()) {
                detach("no policies and no remote sites: nothing to classify");
                publish(next);
                return;
            }
            ensureLoaded(k);
            kernel.apply(next, fresh);
            ensureAttached(k);
            publish(next);
            status = new Status("attached", attachment.mode() + " on " + k.lanInterface() + " ingress", next.rules().size(),
                    kernel.activeGeneration(), Optional.empty(), clock.instant());
        } catch (RuntimeException e) {
            slots.returnFresh(fresh);
            fail(e.getMessage());
        }
    }

    /** Refreshes again when the last refresh failed (a LAN interface that was missing may be there now). */
    public void retryIfFailed() {
        if (status.lastError().isPresent()) {
            refresh();
        }
    }

    private void publish(ClassifierRules next) {
        current = next;
        explainer = new ClassifierModel(next);
    }

    private void fail(String message) {
        Status s = status;
        LOG.log(System.Logger.Level.WARNING, "classifier: " + message);
        status = new Status(s.state(), s.detail(), s.rules(), s.generation(), Optional.of(message), clock.instant());
    }

    private void ensureLoaded(KernelSide k) {
        if (kernel != null) {
            return;
        }
        Bpffs.ensureMounted(k.pinDir());
        kernel = KernelClassifier.load(Optional.of(k.pinDir()));
        kernel.tcpMss(TCP_MSS_IPV4, TCP_MSS_IPV6);
    }

    private void ensureAttached(KernelSide k) {
        if (attachment != null) {
            return;
        }
        int ifindex;
        try (RouteNetlink rt = RouteNetlink.open()) {
            ifindex = rt.index(k.lanInterface());
        } catch (RuntimeException e) {
            throw new ClassifierException("LAN interface " + k.lanInterface() + " not found (dataPlane.lanInterface): "
                    + e.getMessage(), e);
        }
        Path linkPin = k.pinDir().resolve(LINK_PIN);
        Optional<TcAttachment> existing = TcAttachment.adopt(ifindex, TcDirection.INGRESS, linkPin);
        if (existing.isPresent()) {
            attachment = existing.get();
            attachment.replaceProgram(kernel.program());
            LOG.log(System.Logger.Level.INFO, "classifier: adopted the running " + attachment.mode() + " attachment on "
                    + k.lanInterface() + " and swapped in this run's program");
        } else {
            attachment = TcAttachment.attach(kernel.program(), ifindex, TcDirection.INGRESS, linkPin, k.attach());
        }
    }

    private void detach(String why) {
        if (attachment != null) {
            attachment.detach();
            attachment = null;
        } else if (kernelSide.isPresent()) {
            // An earlier run may have left an attachment pinned; the policy set is empty now, so remove it.
            KernelSide k = kernelSide.get();
            try (RouteNetlink rt = RouteNetlink.open()) {
                rt.link(k.lanInterface()).ifPresent(l -> TcAttachment.adopt(l.index(), TcDirection.INGRESS,
                        k.pinDir().resolve(LINK_PIN)).ifPresent(TcAttachment::detach));
            } catch (RuntimeException e) {
                // Nothing of ours may be there at all (no bpffs, no interface): that is the normal case here.
                LOG.log(System.Logger.Level.DEBUG, "classifier: no earlier attachment to remove: " + e.getMessage());
            }
        }
        status = new Status("detached", why, 0, 0, Optional.empty(), clock.instant());
    }

    /** What would happen to a flow now (no counters or rate state change). */
    public Decision explain(Flow flow) {
        return explainer.explain(flow);
    }

    public ClassifierRules rules() {
        return current;
    }

    public Status status() {
        return status;
    }

    /** The kernel's counters for a policy, if it has a slot (it is in the current rule set). */
    public synchronized Optional<PolicyCounters> counters(Policy policy) {
        Optional<Integer> slot = slots.policySlotIfAssigned(policy.id());
        if (slot.isEmpty()) {
            return Optional.empty();
        }
        if (kernel == null) {
            return Optional.of(new PolicyCounters(policy.id(), policy.name(), slot.get(), 0, 0, 0, 0, false));
        }
        long[] c = kernel.policyCounters(slot.get());
        return Optional.of(new PolicyCounters(policy.id(), policy.name(), slot.get(), c[0], c[1], c[2], c[3], true));
    }

    /** TCP SYNs towards remote sites whose MSS was lowered to the tunnel's since the program was loaded. */
    public synchronized long mssClamped() {
        return kernel == null ? 0 : kernel.mssClamped();
    }

    public synchronized List<VerdictCounters> verdicts() {
        List<VerdictCounters> out = new ArrayList<>();
        for (Verdict v : Verdict.values()) {
            long[] c = kernel == null ? new long[2] : kernel.verdictCounters(v);
            out.add(new VerdictCounters(v, v.meaning(), c[0], c[1]));
        }
        return out;
    }

    /** Where run-time colour choices (failover) come from; they survive every refresh of the plan. */
    public void choices(ColourChoices choices) {
        this.choices = choices;
    }

    /** One run-time steering change: a policy's (or, with policy id "", the default) traffic to a site goes over a colour. */
    public record SteerChange(String policyId, String siteId, String colour) {
    }

    /**
     * Applies run-time choices to the kernel in one batch (one map update per change, no rule-set rewrite), and to the
     * explainer. Changes for sites, policies or colours the current plan does not know are skipped.
     * Returns how many entries were written.
     */
    public synchronized int steer(List<SteerChange> changes) {
        java.util.Map<String, ClassifierRules.Steer> byColour = SteeringPlan.colours(links);
        java.util.Map<ClassifierRules.SteerKey, ClassifierRules.Steer> batch = new java.util.LinkedHashMap<>();
        for (SteerChange c : changes) {
            ClassifierRules.Steer st = byColour.get(c.colour());
            Optional<Integer> site = slots.siteIndexIfAssigned(c.siteId());
            Optional<Integer> slot = c.policyId().isEmpty() ? Optional.of(ClassifierRules.DEFAULT_SLOT) : slots.policySlotIfAssigned(c.policyId());
            if (st == null || site.isEmpty() || slot.isEmpty()) {
                continue;
            }
            batch.put(new ClassifierRules.SteerKey(site.get(), slot.get()), st);
        }
        if (batch.isEmpty()) {
            return 0;
        }
        if (kernel != null) {
            kernel.steer(batch);
        }
        java.util.Map<ClassifierRules.SteerKey, ClassifierRules.Steer> steering = new java.util.HashMap<>(current.steering());
        steering.putAll(batch);
        publish(new ClassifierRules(current.rules(), current.sitePrefixes(), steering));
        return batch.size();
    }

    /**
     * Removes the classifier from the host: detaches it and deletes its pins. For uninstalling
     * ({@code patronus-appliance --detach-classifier}); a normal shutdown uses {@link #close()}.
     */
    public synchronized void uninstall() {
        try {
            if (attachment == null && kernelSide.isPresent()) {
                detach("uninstalled");
            } else if (attachment != null) {
                attachment.detach();
                attachment = null;
            }
        } finally {
            if (kernel != null) {
                kernel.close();
                kernel = null;
            }
            kernelSide.ifPresent(k -> unpinAll(k.pinDir()));
        }
    }

    private static void unpinAll(Path dir) {
        if (!Files.isDirectory(dir)) {
            return;
        }
        try (var files = Files.list(dir)) {
            for (Path p : files.toList()) {
                Files.deleteIfExists(p);
            }
        } catch (java.io.IOException e) {
            LOG.log(System.Logger.Level.WARNING, "classifier: cannot remove pins in " + dir + ": " + e.getMessage());
        }
    }

    /**
     * Releases file descriptors but leaves the program attached and its maps pinned: packets keep being classified
     * while the appliance restarts (an upgrade, a crash), and the next run adopts them.
     */
    @Override
    public synchronized void close() {
        if (attachment != null) {
            attachment.close();
            attachment = null;
        }
        if (kernel != null) {
            kernel.close();
            kernel = null;
        }
    }
}
