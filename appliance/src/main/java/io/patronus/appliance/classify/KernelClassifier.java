package io.patronus.appliance.classify;

import io.patronus.appliance.bpf.BpfException;
import io.patronus.appliance.bpf.BpfMap;
import io.patronus.appliance.bpf.BpfObject;
import io.patronus.appliance.bpf.BpfProgram;
import io.patronus.appliance.bpf.ElfObject;
import io.patronus.appliance.bpf.LoadOptions;
import io.patronus.appliance.bpf.MapSpec;
import io.patronus.appliance.classify.ClassifierRules.Rule;
import io.patronus.appliance.classify.ClassifierRules.Steer;
import io.patronus.appliance.classify.ClassifierRules.SteerKey;
import io.patronus.appliance.classify.RuleSetCompiler.Compiled;
import io.patronus.appliance.classify.RuleSetCompiler.LpmEntry;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The loaded classifier program and its maps, and the one place that writes them.
 *
 * <p>Rule sets are written the way the program expects to read them: everything of the inactive generation
 * first (tries, DSCP/protocol/port masks, rules), then steering entries for any new policy slot, then a single
 * write of {@code pat_config.active_gen}, which is the moment packets switch to the new set. Stale steering entries
 * are removed only after the switch. If any write fails before the switch, the running generation is untouched,
 * so the previous classifier keeps working and the error is reported to the caller.
 *
 * <p>Thread-safe: writers are serialised; counter reads may run concurrently with them.
 */
public final class KernelClassifier implements AutoCloseable {
    /** The compiled program inside the appliance jar. */
    public static final String OBJECT_RESOURCE = "/bpf/bpf_classifier.o";

    private final BpfObject object;
    private final BpfMap config;
    private final BpfMap dst;
    private final BpfMap src;
    private final BpfMap dscp;
    private final BpfMap proto;
    private final BpfMap ports;
    private final BpfMap gen;
    private final BpfMap rules;
    private final BpfMap steer;
    private final BpfMap rate;
    private final BpfMap policyStats;
    private final BpfMap verdictStats;
    private final BpfMap mssStats;
    /** The MSS a SYN into a tunnel may announce, IPv4 and IPv6 (0: SYNs are left alone); written with every config. */
    private int mssIpv4;
    private int mssIpv6;
    /** Hash of the port tables last written per generation: 4 MiB of masks are skipped when unchanged. */
    private final int[] portTablesHash = {0, 0};
    private final boolean[] portTablesKnown = {false, false};

    private KernelClassifier(BpfObject object) {
        this.object = object;
        this.config = map(ClassifierLayout.MAP_CONFIG, ClassifierLayout.CONFIG_SIZE);
        this.dst = map(ClassifierLayout.MAP_DST, ClassifierLayout.DST_VALUE_SIZE);
        this.src = map(ClassifierLayout.MAP_SRC, ClassifierLayout.MASK_SIZE);
        this.dscp = map(ClassifierLayout.MAP_DSCP, ClassifierLayout.MASK_SIZE);
        this.proto = map(ClassifierLayout.MAP_PROTO, ClassifierLayout.MASK_SIZE);
        this.ports = map(ClassifierLayout.MAP_PORTS, ClassifierLayout.MASK_SIZE);
        this.gen = map(ClassifierLayout.MAP_GEN, ClassifierLayout.GEN_INFO_SIZE);
        this.rules = map(ClassifierLayout.MAP_RULES, ClassifierLayout.RULE_SIZE);
        this.steer = map(ClassifierLayout.MAP_STEER, ClassifierLayout.STEER_VALUE_SIZE);
        this.rate = map(ClassifierLayout.MAP_RATE, ClassifierLayout.RATE_SIZE);
        this.policyStats = map(ClassifierLayout.MAP_POLICY_STATS, ClassifierLayout.POLICY_STATS_SIZE);
        this.verdictStats = map(ClassifierLayout.MAP_VERDICT_STATS, ClassifierLayout.VERDICT_STATS_SIZE);
        this.mssStats = map(ClassifierLayout.MAP_MSS_STATS, ClassifierLayout.MSS_STATS_SIZE);
        object.program(ClassifierLayout.PROGRAM);
    }

    /**
     * Loads the packaged program. With a pin directory, maps already pinned there (by an earlier run) are reused,
     * so counters, rate state and the active rule set survive a restart; new maps are pinned.
     */
    public static KernelClassifier load(Optional<Path> pinDir) {
        return load(readObject(), OBJECT_RESOURCE, pinDir);
    }

    /** Loads a classifier object given as bytes (a corrupt or foreign object gives a {@link ClassifierException}). */
    public static KernelClassifier load(byte[] elf, String origin, Optional<Path> pinDir) {
        BpfObject obj;
        try {
            obj = BpfObject.load(ElfObject.parse(elf, origin), pinDir.map(d -> LoadOptions.pinnedAt(d).withReplaceIncompatiblePins(true)).orElse(LoadOptions.defaults()));
        } catch (BpfException e) {
            throw new ClassifierException("cannot load the classifier: " + e.getMessage(), e);
        }
        try {
            return new KernelClassifier(obj);
        } catch (RuntimeException e) {
            obj.close();
            throw e;
        }
    }

    static byte[] readObject() {
        try (InputStream in = KernelClassifier.class.getResourceAsStream(OBJECT_RESOURCE)) {
            if (in == null) {
                throw new ClassifierException("the classifier object " + OBJECT_RESOURCE
                        + " is missing from the appliance jar (built by bpf/build during the Maven build)");
            }
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + OBJECT_RESOURCE + ": " + e.getMessage(), e);
        }
    }

    private BpfMap map(String name, int valueSize) {
        BpfMap m = object.map(name);
        MapSpec spec = m.spec();
        if (spec.valueSize() != valueSize) {
            throw new ClassifierException("classifier map " + name + " has " + spec.valueSize() + "-byte values but this appliance writes "
                    + valueSize + "; bpf/lib/classifier.h and ClassifierLayout.java disagree");
        }
        return m;
    }

    /** One of the classifier's maps by name (tests fill them to provoke failures). */
    BpfMap map(String name) {
        return object.map(name);
    }

    public BpfProgram program() {
        return object.program(ClassifierLayout.PROGRAM);
    }

    /** The generation packets currently use. */
    public int activeGeneration() {
        return config.lookup(ClassifierLayout.u32(0)).map(ClassifierLayout::configGeneration).orElse(0);
    }

    /**
     * Makes {@code next} the rule set packets see, atomically; {@code freshSlots} are policy slots new to this
     * set whose counters and rate state start from zero.
     */
    public synchronized void apply(ClassifierRules next, Set<Integer> freshSlots) {
        Compiled c = RuleSetCompiler.compile(next);
        byte[] cfg = config.lookup(ClassifierLayout.u32(0)).orElse(new byte[ClassifierLayout.CONFIG_SIZE]);
        int active = ClassifierLayout.configGeneration(cfg);
        int g = active ^ 1;
        try {
            writeTrie(dst, g, c.destinations(), true);
            writeTrie(src, g, c.sources(), false);
            writeMasks(dscp, g * 64, c.dscp());
            writeMasks(proto, g * 256, c.protocol());
            writePorts(g, c);
            gen.update(ClassifierLayout.u32(g), ClassifierLayout.genInfo(c.noSourcePort(), c.noDestinationPort()));
            List<byte[]> keys = new ArrayList<>();
            List<byte[]> values = new ArrayList<>();
            List<Rule> rs = c.rules();
            for (int i = 0; i < rs.size(); i++) {
                Rule r = rs.get(i);
                long cost = r.action() == ClassifierRules.Action.RATE_LIMIT ? ClassifierRules.costQ16(r.kbps()) : 0;
                long burst = cost == 0 ? 0 : ClassifierRules.burstNs(cost);
                keys.add(ClassifierLayout.u32(g * ClassifierRules.MAX_RULES + i));
                values.add(ClassifierLayout.rule(r.action().code(), r.slot(), cost, burst));
            }
            if (!keys.isEmpty()) {
                rules.updateBatch(keys, values);
            }
            for (int slot : freshSlots) {
                clearSlot(slot);
            }
            for (Map.Entry<SteerKey, Steer> e : next.steering().entrySet()) {
                steer.update(ClassifierLayout.steerKey(e.getKey().site(), e.getKey().slot()),
                        ClassifierLayout.steerValue(e.getValue().mark(), e.getValue().mask()));
            }
        } catch (BpfException e) {
            throw new ClassifierException("writing rule generation " + g + " failed; generation " + active
                    + " stays in use: " + e.getMessage(), e);
        }
        try {
            config.update(ClassifierLayout.u32(0), ClassifierLayout.config(g, ClassifierLayout.configClock(cfg), mssIpv4, mssIpv6));
        } catch (BpfException e) {
            throw new ClassifierException("switching to rule generation " + g + " failed; generation " + active
                    + " stays in use: " + e.getMessage(), e);
        }
        Set<String> wanted = new HashSet<>();
        next.steering().keySet().forEach(k -> wanted.add(Arrays.toString(ClassifierLayout.steerKey(k.site(), k.slot()))));
        for (byte[] k : steer.keys()) {
            if (!wanted.contains(Arrays.toString(k))) {
                steer.delete(k);
            }
        }
    }

    /** Points one (site, slot) steering entry at a colour: one map write, seen by the next packet. */
    public void steer(SteerKey key, Steer value) {
        steer.update(ClassifierLayout.steerKey(key.site(), key.slot()), ClassifierLayout.steerValue(value.mark(), value.mask()));
    }

    /** Points several steering entries at once: one batched map update, each entry seen by the next packet. */
    public void steer(Map<SteerKey, Steer> entries) {
        List<byte[]> keys = new ArrayList<>(entries.size());
        List<byte[]> values = new ArrayList<>(entries.size());
        entries.forEach((k, v) -> {
            keys.add(ClassifierLayout.steerKey(k.site(), k.slot()));
            values.add(ClassifierLayout.steerValue(v.mark(), v.mask()));
        });
        steer.updateBatch(keys, values);
    }

    /** Freezes the program's clock at {@code ns} (0 = real time again); for deterministic rate-limit tests. */
    public synchronized void clock(long ns) {
        byte[] cfg = config.lookup(ClassifierLayout.u32(0)).orElse(new byte[ClassifierLayout.CONFIG_SIZE]);
        config.update(ClassifierLayout.u32(0), ClassifierLayout.config(ClassifierLayout.configGeneration(cfg), ns, mssIpv4, mssIpv6));
    }

    /**
     * Makes every TCP SYN (and SYN-ACK) towards a remote site announce at most {@code ipv4} / {@code ipv6} bytes of
     * MSS (0 leaves that family alone); takes effect with the next packet. See bpf/lib/mss.h for why.
     */
    public synchronized void tcpMss(int ipv4, int ipv6) {
        if (ipv4 < 0 || ipv4 > 0xffff || ipv6 < 0 || ipv6 > 0xffff) {
            throw new IllegalArgumentException("TCP MSS must be 0..65535, was " + ipv4 + " (IPv4) and " + ipv6 + " (IPv6)");
        }
        mssIpv4 = ipv4;
        mssIpv6 = ipv6;
        byte[] cfg = config.lookup(ClassifierLayout.u32(0)).orElse(new byte[ClassifierLayout.CONFIG_SIZE]);
        config.update(ClassifierLayout.u32(0), ClassifierLayout.config(ClassifierLayout.configGeneration(cfg),
                ClassifierLayout.configClock(cfg), ipv4, ipv6));
    }

    /** SYNs whose MSS the program lowered, summed over CPUs. */
    public long mssClamped() {
        return sum(mssStats, 0, 1)[0];
    }

    /** Packets, bytes, dropped packets, dropped bytes of a policy slot, summed over CPUs. */
    public long[] policyCounters(int slot) {
        return sum(policyStats, slot, 4);
    }

    /** Packets and bytes of a verdict, summed over CPUs. */
    public long[] verdictCounters(Verdict v) {
        return sum(verdictStats, v.code(), 2);
    }

    private static long[] sum(BpfMap m, int index, int fields) {
        long[] out = new long[fields];
        for (byte[] cpu : m.lookupPerCpu(ClassifierLayout.u32(index))) {
            for (int i = 0; i < fields; i++) {
                out[i] += ClassifierLayout.u64(cpu, i * 8);
            }
        }
        return out;
    }

    private void clearSlot(int slot) {
        rate.update(ClassifierLayout.u32(slot), new byte[ClassifierLayout.RATE_SIZE]);
        int cpus = policyStats.lookupPerCpu(ClassifierLayout.u32(slot)).size();
        List<byte[]> zeros = new ArrayList<>(cpus);
        for (int i = 0; i < cpus; i++) {
            zeros.add(new byte[ClassifierLayout.POLICY_STATS_SIZE]);
        }
        policyStats.updatePerCpu(ClassifierLayout.u32(slot), zeros);
    }

    private static void writeTrie(BpfMap trie, int g, List<LpmEntry> entries, boolean withSite) {
        for (byte[] k : trie.keys()) {
            if (ClassifierLayout.lpmKeyGeneration(k) == g) {
                trie.delete(k);
            }
        }
        List<byte[]> keys = new ArrayList<>(entries.size());
        List<byte[]> values = new ArrayList<>(entries.size());
        for (LpmEntry e : entries) {
            keys.add(ClassifierLayout.lpmKey(g, e.prefix()));
            values.add(withSite ? ClassifierLayout.dstValue(e.site(), e.mask()) : ClassifierLayout.mask(e.mask()));
        }
        trie.updateBatch(keys, values);
    }

    private static void writeMasks(BpfMap m, int base, long[][] masks) {
        List<byte[]> keys = new ArrayList<>(masks.length);
        List<byte[]> values = new ArrayList<>(masks.length);
        for (int i = 0; i < masks.length; i++) {
            keys.add(ClassifierLayout.u32(base + i));
            values.add(ClassifierLayout.mask(masks[i]));
        }
        m.updateBatch(keys, values);
    }

    private void writePorts(int g, Compiled c) {
        int hash = Arrays.hashCode(c.sourcePorts()) * 31 + Arrays.hashCode(c.destinationPorts());
        if (portTablesKnown[g] && portTablesHash[g] == hash) {
            return;
        }
        long[][] both = {c.sourcePorts(), c.destinationPorts()};
        for (int dim = 0; dim < 2; dim++) {
            long[] table = both[dim];
            int base = (g * 2 + dim) * ClassifierLayout.PORTS;
            List<byte[]> keys = new ArrayList<>(ClassifierLayout.PORTS);
            List<byte[]> values = new ArrayList<>(ClassifierLayout.PORTS);
            long[] words = new long[ClassifierLayout.MASK_WORDS];
            for (int p = 0; p < ClassifierLayout.PORTS; p++) {
                System.arraycopy(table, p * ClassifierLayout.MASK_WORDS, words, 0, ClassifierLayout.MASK_WORDS);
                keys.add(ClassifierLayout.u32(base + p));
                values.add(ClassifierLayout.mask(words));
            }
            ports.updateBatch(keys, values);
        }
        portTablesHash[g] = hash;
        portTablesKnown[g] = true;
    }

    /** Releases file descriptors; pinned maps (and an attachment made elsewhere) stay in the kernel. */
    @Override
    public void close() {
        object.close();
    }
}
