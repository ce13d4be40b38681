package io.patronus.appliance.netlink.genl;

import io.patronus.appliance.netlink.Attributes;
import io.patronus.appliance.netlink.Netlink;
import io.patronus.appliance.netlink.NetlinkException;
import io.patronus.appliance.netlink.NetlinkSocket;
import io.patronus.appliance.netlink.NlMessage;
import io.patronus.appliance.netlink.NlMessageWriter;

import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * A generic netlink client: resolves families by name and carries family requests over one NETLINK_GENERIC socket.
 * Thread-safe (the socket serialises exchanges).
 */
public final class GenericNetlink implements AutoCloseable {
    public static final int GENL_ID_CTRL = 0x10;
    public static final int GENL_HDRLEN = 4;
    public static final int CTRL_CMD_GETFAMILY = 3;
    public static final int CTRL_ATTR_FAMILY_ID = 1;
    public static final int CTRL_ATTR_FAMILY_NAME = 2;
    public static final int CTRL_ATTR_VERSION = 3;
    private static final int ENOENT = 2;

    private final NetlinkSocket socket;

    private GenericNetlink(NetlinkSocket socket) {
        this.socket = socket;
    }

    /** A client in the namespace of {@code namespaceFile}, or in ours when empty. */
    public static GenericNetlink open(Optional<Path> namespaceFile) {
        return new GenericNetlink(NetlinkSocket.open(Netlink.NETLINK_GENERIC, namespaceFile));
    }

    /** The socket, for family-specific requests. */
    public NetlinkSocket socket() {
        return socket;
    }

    /** A generic netlink message: nlmsghdr of type {@code familyId}, then {@code genlmsghdr {cmd, version, 0}}. */
    public static NlMessageWriter message(int familyId, int flags, int cmd, int version) {
        return NlMessageWriter.message(familyId, flags).u8(cmd).u8(version).u16(0);
    }

    /** CTRL_CMD_GETFAMILY for {@code name}. */
    public static byte[] getFamilyMessage(String name) {
        return message(GENL_ID_CTRL, Netlink.NLM_F_REQUEST | Netlink.NLM_F_ACK, CTRL_CMD_GETFAMILY, 1)
                .attrString(CTRL_ATTR_FAMILY_NAME, name).toBytes();
    }

    /** Family {@code name}, empty when the kernel does not have it (ENOENT). */
    public Optional<GenlFamily> family(String name) {
        try {
            return Optional.of(requireFamily(name));
        } catch (FamilyNotFoundException e) {
            return Optional.empty();
        }
    }

    /** Family {@code name}; {@link FamilyNotFoundException} when the kernel does not have it. */
    public GenlFamily requireFamily(String name) {
        List<NlMessage> replies;
        try {
            replies = socket.request(getFamilyMessage(name), "CTRL_CMD_GETFAMILY (resolve family)", "family '" + name + "'");
        } catch (NetlinkException e) {
            if (e.errno() == ENOENT) {
                throw new FamilyNotFoundException(name);
            }
            throw e;
        }
        for (NlMessage m : replies) {
            if (m.type() == GENL_ID_CTRL) {
                return decodeFamily(m);
            }
        }
        throw NetlinkException.malformed("CTRL_CMD_GETFAMILY for '" + name + "' was acknowledged without an answer");
    }

    /** The family in a CTRL_CMD_NEWFAMILY reply. */
    public static GenlFamily decodeFamily(NlMessage m) {
        Attributes a = m.attributes(GENL_HDRLEN);
        int id = a.get(CTRL_ATTR_FAMILY_ID).orElseThrow(() -> NetlinkException.malformed("family reply without CTRL_ATTR_FAMILY_ID")).u16();
        return new GenlFamily(a.get(CTRL_ATTR_FAMILY_NAME).map(Attributes.Entry::string).orElse(""), id,
                a.get(CTRL_ATTR_VERSION).map(Attributes.Entry::u32).orElse(0));
    }

    @Override
    public void close() {
        socket.close();
    }
}
