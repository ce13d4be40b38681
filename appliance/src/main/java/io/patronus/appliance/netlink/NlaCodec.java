package io.patronus.appliance.netlink;

import java.util.ArrayList;
import java.util.List;

/**
 * Whole-tree encoding and decoding of attribute streams. Decoding treats an attribute as a nest exactly when it
 * carries NLA_F_NESTED, which is what {@link NlMessageWriter} always sets, so {@code decode(encode(x))} equals
 * {@code x}.
 */
public final class NlaCodec {
    private NlaCodec() {
    }

    public static byte[] encode(List<Nla> attributes) {
        NlMessageWriter w = NlMessageWriter.attributes();
        attributes.forEach(w::attr);
        return w.toBytes();
    }

    public static List<Nla> decode(byte[] bytes) {
        return decode(Attributes.parse(bytes));
    }

    public static List<Nla> decode(Attributes attributes) {
        List<Nla> out = new ArrayList<>();
        for (Attributes.Entry e : attributes.all()) {
            out.add(e.nestedFlag() ? new Nla.Nest(e.type(), decode(e.nested())) : new Nla.Leaf(e.type(), e.bytes()));
        }
        return out;
    }
}
