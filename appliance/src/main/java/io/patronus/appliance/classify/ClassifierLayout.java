package io.patronus.appliance.classify;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * Byte layouts of the kernel classifier's maps, twin of bpf/lib/classifier.h (sizes are checked against the
 * loaded object's map specs at load time, so a drift fails loudly rather than misclassifying).
 */
final class ClassifierLayout {
    static final int GENERATIONS = 2;
    static final int MASK_WORDS = 4;
    static final int PORTS = 65536;
    static final int NO_SITE = 0xffffffff;

    static final int CONFIG_SIZE = 24;
    static final int MSS_STATS_SIZE = 8;
    static final int LPM_KEY_SIZE = 24;
    static final int DST_VALUE_SIZE = 40;
    static final int MASK_SIZE = 32;
    static final int GEN_INFO_SIZE = 64;
    static final int RULE_SIZE = 32;
    static final int STEER_KEY_SIZE = 8;
    static final int STEER_VALUE_SIZE = 8;
    static final int RATE_SIZE = 8;
    static final int POLICY_STATS_SIZE = 32;
    static final int VERDICT_STATS_SIZE = 16;

    static final String MAP_CONFIG = "pat_config";
    static final String MAP_DST = "pat_dst";
    static final String MAP_SRC = "pat_src";
    static final String MAP_DSCP = "pat_dscp";
    static final String MAP_PROTO = "pat_proto";
    static final String MAP_PORTS = "pat_ports";
    static final String MAP_GEN = "pat_gen";
    static final String MAP_RULES = "pat_rules";
    static final String MAP_STEER = "pat_steer";
    static final String MAP_RATE = "pat_rate";
    static final String MAP_POLICY_STATS = "pat_policy_stats";
    static final String MAP_MSS_STATS = "pat_mss_stats";
    static final String MAP_VERDICT_STATS = "pat_verdict_stats";
    static final String PROGRAM = "pat_classify";

    private ClassifierLayout() {
    }

    static ByteBuffer buffer(int size) {
        return ByteBuffer.allocate(size).order(ByteOrder.LITTLE_ENDIAN);
    }

    static byte[] u32(int v) {
        return buffer(4).putInt(v).array();
    }

    /** pat_config: the active generation, a frozen clock (0 = real time), the MSS clamps (0 = leave SYNs alone). */
    static byte[] config(int gen, long clockNs, int mssIpv4, int mssIpv6) {
        return buffer(CONFIG_SIZE).putInt(gen).putInt(0).putLong(clockNs).putShort((short) mssIpv4).putShort((short) mssIpv6)
                .putInt(0).array();
    }

    static int configGeneration(byte[] value) {
        return ByteBuffer.wrap(value).order(ByteOrder.LITTLE_ENDIAN).getInt(0) & 1;
    }

    static long configClock(byte[] value) {
        return ByteBuffer.wrap(value).order(ByteOrder.LITTLE_ENDIAN).getLong(8);
    }

    static byte[] lpmKey(int gen, Prefix16 p) {
        return buffer(LPM_KEY_SIZE).putInt(32 + p.length()).putInt(gen).put(p.address()).array();
    }

    static int lpmKeyGeneration(byte[] key) {
        return ByteBuffer.wrap(key).order(ByteOrder.LITTLE_ENDIAN).getInt(4);
    }

    static byte[] mask(long[] words) {
        ByteBuffer b = buffer(MASK_SIZE);
        for (int i = 0; i < MASK_WORDS; i++) {
            b.putLong(words[i]);
        }
        return b.array();
    }

    static byte[] dstValue(int site, long[] words) {
        ByteBuffer b = buffer(DST_VALUE_SIZE).putInt(site).putInt(0);
        for (int i = 0; i < MASK_WORDS; i++) {
            b.putLong(words[i]);
        }
        return b.array();
    }

    static byte[] genInfo(long[] noSport, long[] noDport) {
        ByteBuffer b = buffer(GEN_INFO_SIZE);
        for (int i = 0; i < MASK_WORDS; i++) {
            b.putLong(noSport[i]);
        }
        for (int i = 0; i < MASK_WORDS; i++) {
            b.putLong(noDport[i]);
        }
        return b.array();
    }

    static byte[] rule(int action, int slot, long costQ16, long burstNs) {
        return buffer(RULE_SIZE).putInt(action).putInt(slot).putLong(costQ16).putLong(burstNs).putLong(0).array();
    }

    static byte[] steerKey(int site, int slot) {
        return buffer(STEER_KEY_SIZE).putInt(site).putInt(slot).array();
    }

    static byte[] steerValue(int mark, int mask) {
        return buffer(STEER_VALUE_SIZE).putInt(mark).putInt(mask).array();
    }

    static long u64(byte[] b, int offset) {
        return ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN).getLong(offset);
    }
}
