package io.patronus.appliance.bpf;

import java.util.Arrays;
import java.util.Objects;

/**
 * What one {@link BpfProgram#testRun} returned: the program's return value (for tc, {@code TC_ACT_OK} = 0,
 * {@code TC_ACT_SHOT} = 2...), the packet as the program left it, the {@code __sk_buff} context after the run (192
 * bytes; {@code mark} at offset 8, {@code priority} at 32) and the kernel's average duration of one iteration.
 */
public record TestRunResult(int retval, byte[] packetOut, byte[] contextOut, long durationNs) {
    /** Offset of {@code __sk_buff.mark}. */
    public static final int SKB_MARK = 8;
    /** Offset of {@code __sk_buff.priority}. */
    public static final int SKB_PRIORITY = 32;

    public TestRunResult {
        packetOut = packetOut.clone();
        contextOut = contextOut.clone();
    }

    @Override
    public byte[] packetOut() {
        return packetOut.clone();
    }

    @Override
    public byte[] contextOut() {
        return contextOut.clone();
    }

    /** The little-endian u32 at {@code offset} of the context, e.g. {@link #SKB_MARK}. */
    public int contextU32(int offset) {
        Objects.checkFromIndexSize(offset, 4, contextOut.length);
        return BpfSyscall.u32(contextOut, offset);
    }

    /** {@code skb->mark} after the run. */
    public int mark() {
        return contextU32(SKB_MARK);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof TestRunResult r && r.retval == retval && Arrays.equals(r.packetOut, packetOut)
                && Arrays.equals(r.contextOut, contextOut) && r.durationNs == durationNs;
    }

    @Override
    public int hashCode() {
        return Objects.hash(retval, Arrays.hashCode(packetOut), Arrays.hashCode(contextOut), durationNs);
    }

    @Override
    public String toString() {
        return "TestRunResult[retval=" + retval + ", packet " + packetOut.length + " B, context " + contextOut.length + " B, "
                + durationNs + " ns/run]";
    }
}
