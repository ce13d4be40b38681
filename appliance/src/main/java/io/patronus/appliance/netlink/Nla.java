package io.patronus.appliance.netlink;

import java.util.Arrays;
import java.util.List;

/**
 * A netlink attribute as a tree: a leaf with raw payload bytes, or a nest of attributes. Used where the whole tree is
 * wanted at once (tests, diagnostics); protocol code writes with {@link NlMessageWriter} and reads with
 * {@link Attributes}.
 */
public sealed interface Nla permits Nla.Leaf, Nla.Nest {
    /** The attribute type without the NLA_F_NESTED / NLA_F_NET_BYTEORDER flags (0 to 0x3FFF). */
    int type();

    /** A leaf attribute: its payload as it appears on the wire, without padding. */
    record Leaf(int type, byte[] value) implements Nla {
        public Leaf {
            checkType(type);
            value = value.clone();
        }

        @Override
        public byte[] value() {
            return value.clone();
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Leaf l && l.type == type && Arrays.equals(l.value, value);
        }

        @Override
        public int hashCode() {
            return type * 31 + Arrays.hashCode(value);
        }

        @Override
        public String toString() {
            return "Leaf[" + type + ", " + java.util.HexFormat.of().formatHex(value) + "]";
        }
    }

    /** A nested attribute, always written with NLA_F_NESTED. */
    record Nest(int type, List<Nla> children) implements Nla {
        public Nest {
            checkType(type);
            children = List.copyOf(children);
        }
    }

    private static void checkType(int type) {
        if (type < 0 || type > Netlink.NLA_TYPE_MASK) {
            throw new IllegalArgumentException("attribute type must be 0-" + Netlink.NLA_TYPE_MASK + ", was " + type);
        }
    }
}
