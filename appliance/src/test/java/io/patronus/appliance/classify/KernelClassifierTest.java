package io.patronus.appliance.classify;

import io.patronus.appliance.bpf.BpfMap;
import io.patronus.appliance.bpf.TestRunResult;
import io.patronus.appliance.classify.ClassifierRules.Action;
import io.patronus.appliance.classify.ClassifierRules.Rule;
import io.patronus.appliance.classify.ClassifierRules.SitePrefix;
import io.patronus.appliance.classify.ClassifierRules.Steer;
import io.patronus.appliance.classify.ClassifierRules.SteerKey;
import io.patronus.model.IpPrefix;
import io.patronus.model.PolicyMatch;
import io.patronus.model.PortRange;
import io.patronus.model.Protocol;
import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The loaded classifier's write path against the real kernel: generation flips, failures, bad objects. */
class KernelClassifierTest {
    private static final Steer FIBER = new Steer("fiber", 0x100, 0xff00);
    private static final Steer LTE = new Steer("lte", 0x200, 0xff00);
    private static final byte[] VOICE_FRAME = Frames.udp("100.64.1.10", "100.64.2.10", 40000, 3478, 46);

    private static ClassifierRules voiceTo(Steer colour) {
        PolicyMatch voice = new PolicyMatch(List.of(46), Protocol.UDP, List.of(), List.of(), List.of(), List.of(PortRange.single(3478)));
        return new ClassifierRules(List.of(new Rule(4, "voice", "voice", 10, voice, Action.ROUTE, 0)),
                List.of(new SitePrefix(0, "s2", IpPrefix.parse("100.64.2.0/24"))),
                Map.of(new SteerKey(0, ClassifierRules.DEFAULT_SLOT), FIBER, new SteerKey(0, 4), colour));
    }

    private static int markOf(KernelClassifier k, byte[] frame) {
        TestRunResult r = k.program().testRun(frame, new byte[0], 1);
        return ByteBuffer.wrap(r.contextOut()).order(ByteOrder.LITTLE_ENDIAN).getInt(8);
    }

    @Test
    void apply_twice_flipsGenerationAndTheNewRulesTakeEffect() {
        try (KernelClassifier k = KernelClassifier.load(Optional.empty())) {
            k.apply(voiceTo(LTE), Set.of(4));
            int first = k.activeGeneration();
            assertEquals(0x200, markOf(k, VOICE_FRAME));
            k.apply(voiceTo(FIBER), Set.of());
            assertEquals(first ^ 1, k.activeGeneration());
            assertEquals(0x100, markOf(k, VOICE_FRAME));
        }
    }

    @Test
    void steer_oneEntry_movesTheNextPacket() {
        try (KernelClassifier k = KernelClassifier.load(Optional.empty())) {
            k.apply(voiceTo(LTE), Set.of(4));
            k.steer(new SteerKey(0, 4), FIBER);
            assertEquals(0x100, markOf(k, VOICE_FRAME));
        }
    }

    @Test
    void apply_mapWriteFails_previousRuleSetStaysInForceAndErrorSaysSo() {
        try (KernelClassifier k = KernelClassifier.load(Optional.empty())) {
            k.apply(voiceTo(LTE), Set.of(4));
            int gen = k.activeGeneration();
            // Fill the destination trie with entries of a generation the program never uses, leaving no room.
            BpfMap dst = k.map(ClassifierLayout.MAP_DST);
            byte[] value = ClassifierLayout.dstValue(ClassifierLayout.NO_SITE, new long[4]);
            int filled = 0;
            for (int i = 0; filled < dst.spec().maxEntries() && i < 100_000; i++) {
                byte[] addr = new byte[16];
                ByteBuffer.wrap(addr).putInt(12, i);
                try {
                    dst.update(ByteBuffer.allocate(24).order(ByteOrder.LITTLE_ENDIAN).putInt(160).putInt(7).put(addr).array(), value);
                    filled++;
                } catch (RuntimeException full) {
                    break;
                }
            }
            assertTrue(filled > 1000, "filled " + filled);
            ClassifierException e = assertThrows(ClassifierException.class, () -> k.apply(voiceTo(FIBER), Set.of()));
            assertTrue(e.getMessage().contains("generation " + gen + " stays in use"), e.getMessage());
            assertEquals(gen, k.activeGeneration());
            assertEquals(0x200, markOf(k, VOICE_FRAME), "the old rule set still steers voice to lte");
        }
    }

    @Test
    void load_corruptOrForeignObject_clearErrorNamingTheObject() throws Exception {
        byte[] good = KernelClassifier.readObject();
        ClassifierException truncated = assertThrows(ClassifierException.class,
                () -> KernelClassifier.load(Arrays.copyOf(good, good.length / 2), "truncated.o", Optional.empty()));
        assertTrue(truncated.getMessage().contains("truncated.o"), truncated.getMessage());
        byte[] x86 = Files.readAllBytes(Path.of("/bin/true"));
        ClassifierException foreign = assertThrows(ClassifierException.class,
                () -> KernelClassifier.load(x86, "/bin/true", Optional.empty()));
        assertTrue(foreign.getMessage().contains("/bin/true") && foreign.getMessage().contains("BPF"), foreign.getMessage());
        ClassifierException garbage = assertThrows(ClassifierException.class,
                () -> KernelClassifier.load("not an object".getBytes(), "junk.o", Optional.empty()));
        assertTrue(garbage.getMessage().contains("not an ELF"), garbage.getMessage());
    }
}
