package io.patronus.appliance.netlink;

import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import org.junit.jupiter.api.Test;

import java.util.HexFormat;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class NlaCodecTest {
    private static final HexFormat HEX = HexFormat.of();

    @Property(tries = 300)
    void decode_encode_roundTrip_randomTrees(@ForAll("trees") List<Nla> tree) {
        byte[] bytes = NlaCodec.encode(tree);
        assertEquals(0, bytes.length % 4, "attribute streams are 4-byte aligned");
        assertEquals(tree, NlaCodec.decode(bytes));
    }

    @Property(tries = 200)
    void decode_encode_roundTrip_flatLeaves(@ForAll("flat") List<Nla> flat) {
        assertEquals(flat, NlaCodec.decode(NlaCodec.encode(flat)));
    }

    @Provide
    Arbitrary<List<Nla>> flat() {
        return leaf().list().ofMaxSize(12);
    }

    @Provide
    Arbitrary<List<Nla>> trees() {
        return node(3).list().ofMaxSize(6);
    }

    private Arbitrary<Nla> leaf() {
        return Arbitraries.integers().between(0, Netlink.NLA_TYPE_MASK)
                .flatMap(t -> Arbitraries.bytes().array(byte[].class).ofMaxSize(19).map(v -> (Nla) new Nla.Leaf(t, v)));
    }

    private Arbitrary<Nla> node(int depth) {
        if (depth == 0) {
            return leaf();
        }
        Arbitrary<Nla> nest = Arbitraries.integers().between(0, Netlink.NLA_TYPE_MASK)
                .flatMap(t -> node(depth - 1).list().ofMaxSize(4).map(c -> (Nla) new Nla.Nest(t, c)));
        return Arbitraries.oneOf(leaf(), nest);
    }

    @Test
    void encode_leafAndNest_lengthsExcludePaddingAndNestCarriesFlag() {
        byte[] b = NlaCodec.encode(List.of(new Nla.Leaf(3, new byte[] {'a', 'b', 'c', 'd', 0}),
                new Nla.Nest(18, List.of(new Nla.Leaf(1, new byte[] {1})))));
        // len 9, type 3, "abcd\0" + 3 pad; nest len 12 with NLA_F_NESTED (0x8012), child len 5 type 1, 0x01 + 3 pad.
        assertEquals("0900030061626364000000000c0012800500010001000000", HEX.formatHex(b));
    }

    @Test
    void parse_truncatedAttribute_isMalformed() {
        byte[] b = HEX.parseHex("0c0001000102");
        NetlinkException e = assertThrows(NetlinkException.class, () -> Attributes.parse(b));
        assertTrue(e.getMessage().contains("length 12"), e.getMessage());
    }

    @Test
    void entry_readsIntegersLittleEndian() {
        byte[] b = NlMessageWriter.attributes().attrU16(1, 0xBEEF).attrU32(2, 0xDEADBEEF).attrU64(3, 0x0102030405060708L)
                .attrString(4, "wg0").attrBe16(5, 51820).toBytes();
        Attributes a = Attributes.parse(b);
        assertEquals(0xBEEF, a.get(1).orElseThrow().u16());
        assertEquals(0xDEADBEEF, a.get(2).orElseThrow().u32());
        assertEquals(0x0102030405060708L, a.get(3).orElseThrow().u64());
        assertEquals("wg0", a.get(4).orElseThrow().string());
        assertEquals(51820, a.get(5).orElseThrow().be16());
    }

    @Test
    void writer_unclosedNest_refusesToFinish() {
        NlMessageWriter w = NlMessageWriter.attributes();
        w.beginNest(8);
        assertThrows(IllegalStateException.class, w::toBytes);
    }
}
