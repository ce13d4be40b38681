package io.patronus.appliance.classify;

import io.patronus.appliance.bpf.TestRunResult;
import io.patronus.appliance.classify.ClassifierRules.SitePrefix;
import io.patronus.appliance.classify.ClassifierRules.Steer;
import io.patronus.appliance.classify.ClassifierRules.SteerKey;
import io.patronus.model.IpPrefix;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * TCP MSS clamping by the loaded classifier (BPF_PROG_TEST_RUN in this kernel): a SYN or SYN-ACK towards a remote
 * site leaves with at most the tunnel's MSS and a checksum that still verifies; everything else leaves byte for byte
 * as it came.
 */
class KernelMssClampTest {
    private static final Steer FIBER = new Steer("fiber", 0x100, 0xff00);
    /** What Linux puts in a SYN: MSS 1460, SACK permitted, timestamps, NOP, window scale 7. */
    private static final byte[] LINUX_OPTIONS = HexFormat.of().parseHex("020405b40402080a0000000100000000" + "01030307");

    private KernelClassifier kernel;

    @BeforeEach
    void load() {
        kernel = KernelClassifier.load(Optional.empty());
        kernel.apply(new ClassifierRules(List.of(),
                List.of(new SitePrefix(0, "s2", IpPrefix.parse("100.64.2.0/24")), new SitePrefix(0, "s2", IpPrefix.parse("2001:db8:2::/48"))),
                Map.of(new SteerKey(0, ClassifierRules.DEFAULT_SLOT), FIBER)), Set.of());
        kernel.tcpMss(PolicyClassifier.TCP_MSS_IPV4, PolicyClassifier.TCP_MSS_IPV6);
    }

    @AfterEach
    void close() {
        kernel.close();
    }

    private byte[] run(byte[] frame) {
        TestRunResult r = kernel.program().testRun(frame, new byte[0], 1);
        assertEquals(0, r.retval(), "TC_ACT_OK: clamping never drops");
        return r.packetOut();
    }

    private static byte[] withMss(byte[] options, int mss) {
        byte[] o = options.clone();
        o[2] = (byte) (mss >> 8);
        o[3] = (byte) mss;
        return o;
    }

    @Test
    void syn_towardsASite_mssLoweredToTheTunnels_checksumStillValid_restUntouched() {
        byte[] in = Frames.tcp("100.64.1.10", "100.64.2.10", 40000, 443, 0x02, LINUX_OPTIONS);
        assertEquals(1460, Frames.mss(in));
        byte[] out = run(in);
        assertEquals(1380, Frames.mss(out));
        assertTrue(Frames.tcpChecksumValid(out), "checksum after clamping");
        byte[] expected = Frames.tcp("100.64.1.10", "100.64.2.10", 40000, 443, 0x02, withMss(LINUX_OPTIONS, 1380));
        assertArrayEquals(expected, out, "only the MSS and the checksum changed");
        assertEquals(1, kernel.mssClamped());
    }

    @Test
    void synAck_and_ipv6_clampedToTheirFamilysMss() {
        assertEquals(1380, Frames.mss(run(Frames.tcp("100.64.1.10", "100.64.2.10", 443, 40000, 0x12, LINUX_OPTIONS))));
        byte[] v6 = run(Frames.tcp("2001:db8:1::10", "2001:db8:2::10", 40000, 443, 0x02, withMss(LINUX_OPTIONS, 1440)));
        assertEquals(1360, Frames.mss(v6));
        assertTrue(Frames.tcpChecksumValid(v6));
        assertEquals(2, kernel.mssClamped());
    }

    @Test
    void leftAlone_smallerMss_notASyn_notTowardsASite_noMssOption_malformedOptions_clampingOff() {
        List<byte[]> frames = List.of(
                Frames.tcp("100.64.1.10", "100.64.2.10", 40000, 443, 0x02, withMss(LINUX_OPTIONS, 1200)),
                Frames.tcp("100.64.1.10", "100.64.2.10", 40000, 443, 0x10, LINUX_OPTIONS),
                Frames.tcp("100.64.1.10", "100.64.9.10", 40000, 443, 0x02, LINUX_OPTIONS),
                Frames.tcp("100.64.1.10", "100.64.2.10", 40000, 443, 0x02, HexFormat.of().parseHex("0402080a0000000100000000")),
                Frames.tcp("100.64.1.10", "100.64.2.10", 40000, 443, 0x02, HexFormat.of().parseHex("0100020405b4")), // option length 0
                Frames.tcp("100.64.1.10", "100.64.2.10", 40000, 443, 0x02, HexFormat.of().parseHex("0203")));        // cut short
        for (byte[] in : frames) {
            assertArrayEquals(in, run(in), "changed: " + HexFormat.of().formatHex(in));
        }
        kernel.tcpMss(0, 0);
        byte[] syn = Frames.tcp("100.64.1.10", "100.64.2.10", 40000, 443, 0x02, LINUX_OPTIONS);
        assertArrayEquals(syn, run(syn), "clamping off");
        assertEquals(0, kernel.mssClamped());
    }

    @Test
    void clamp_survivesARuleSetChange() {
        kernel.apply(new ClassifierRules(List.of(), List.of(new SitePrefix(0, "s2", IpPrefix.parse("100.64.2.0/24"))),
                Map.of(new SteerKey(0, ClassifierRules.DEFAULT_SLOT), FIBER)), Set.of());
        assertEquals(1380, Frames.mss(run(Frames.tcp("100.64.1.10", "100.64.2.10", 40000, 443, 0x02, LINUX_OPTIONS))));
    }
}
