package io.patronus.appliance.wg;

import io.patronus.appliance.netlink.NetlinkException;
import io.patronus.appliance.netlink.NlMessage;
import io.patronus.appliance.netlink.genl.FamilyNotFoundException;
import io.patronus.appliance.netlink.genl.GenericNetlink;
import io.patronus.appliance.netlink.genl.GenlFamily;
import io.patronus.appliance.netlink.route.Link;
import io.patronus.appliance.netlink.route.RouteNetlink;
import io.patronus.appliance.netlink.wireguard.WgNetlink;

import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * Kernel WireGuard driven over netlink: interfaces are rtnetlink links of kind {@code wireguard}, configured and
 * read with the {@code wireguard} generic netlink family (WG_CMD_SET_DEVICE / WG_CMD_GET_DEVICE, built and parsed by
 * {@link WgNetlink}). Thread-safe: each netlink socket serialises its exchanges, and a configuration split across
 * several messages is sent under this object's lock so that two configurations never interleave.
 */
public final class KernelWireGuard implements WireGuardBackend {
    private static final String KIND = "wireguard";
    private static final int ENODEV = 19;
    private static final int EEXIST = 17;
    private static final int EOPNOTSUPP = 95;

    private final RouteNetlink route;
    private final GenericNetlink genl;
    private final GenlFamily family;

    /**
     * Opens the netlink sockets in the namespace of {@code namespaceFile} (our own when empty) and resolves the
     * WireGuard family; a {@link WireGuardException} whose cause is a {@link FamilyNotFoundException} when the
     * kernel has no WireGuard.
     */
    public KernelWireGuard(Optional<Path> namespaceFile) {
        RouteNetlink r = null;
        GenericNetlink g = null;
        try {
            r = RouteNetlink.open(namespaceFile);
            g = GenericNetlink.open(namespaceFile);
            this.family = g.requireFamily(WgNetlink.FAMILY);
        } catch (NetlinkException e) {
            closeQuietly(r, g);
            throw new WireGuardException("kernel WireGuard unavailable" + namespaceFile.map(p -> " in namespace " + p).orElse("")
                    + ": " + e.getMessage(), e);
        }
        this.route = r;
        this.genl = g;
    }

    private static void closeQuietly(AutoCloseable... cs) {
        for (AutoCloseable c : cs) {
            if (c != null) {
                try {
                    c.close();
                } catch (Exception ignored) {
                    // Closing a socket we failed to use; the original failure is what matters.
                }
            }
        }
    }

    /** Whether kernel WireGuard can be used in our namespace. */
    public static boolean available() {
        return available(Optional.empty());
    }

    /**
     * Whether kernel WireGuard can be used in {@code namespaceFile}'s namespace: the generic netlink family
     * resolves. (If it does not, the module may still be autoloadable: creating a link of kind {@code wireguard}
     * loads it, and EOPNOTSUPP then means it is truly absent; the probe link is deleted again.)
     */
    public static boolean available(Optional<Path> namespaceFile) {
        try (GenericNetlink g = GenericNetlink.open(namespaceFile)) {
            if (g.family(WgNetlink.FAMILY).isPresent()) {
                return true;
            }
        } catch (NetlinkException e) {
            return false;
        }
        String probe = "wgprobe" + ProcessHandle.current().pid() % 100000;
        try (RouteNetlink r = RouteNetlink.open(namespaceFile)) {
            r.addLink(probe, KIND);
            r.deleteLink(probe);
        } catch (NetlinkException e) {
            // EOPNOTSUPP: "Unknown device type", no module. Anything else (EPERM, ...) also means we cannot use it.
            return false;
        }
        try (GenericNetlink g = GenericNetlink.open(namespaceFile)) {
            return g.family(WgNetlink.FAMILY).isPresent();
        } catch (NetlinkException e) {
            return false;
        }
    }

    @Override
    public String kind() {
        return "kernel";
    }

    @Override
    public void ensureInterface(String name) {
        try {
            Optional<Link> existing = route.link(name);
            if (existing.isPresent()) {
                if (!existing.get().kind().equals(Optional.of(KIND))) {
                    throw new WireGuardException("cannot create WireGuard interface '" + name + "': a link of kind "
                            + existing.get().kind().orElse("(none)") + " already has that name");
                }
                return;
            }
            route.addLink(name, KIND);
        } catch (NetlinkException e) {
            if (e.errno() == EEXIST) {
                return;
            }
            throw new WireGuardException("create WireGuard interface '" + name + "' failed: " + e.getMessage()
                    + (e.errno() == EOPNOTSUPP ? " (no WireGuard kernel module: use the userspace backend)" : ""), e);
        }
    }

    @Override
    public void deleteInterface(String name) {
        try {
            route.deleteLink(name);
        } catch (NetlinkException e) {
            if (e.errno() != ENODEV) {
                throw new WireGuardException("delete WireGuard interface '" + name + "' failed: " + e.getMessage(), e);
            }
        }
    }

    @Override
    public List<String> interfaces() {
        try {
            return route.links().stream().filter(l -> l.kind().equals(Optional.of(KIND))).map(Link::name).sorted().toList();
        } catch (NetlinkException e) {
            throw new WireGuardException("list WireGuard interfaces failed: " + e.getMessage(), e);
        }
    }

    @Override
    public synchronized void configure(String name, DeviceConfig config) {
        List<byte[]> messages = WgNetlink.setDevice(family.id(), name, config);
        for (int i = 0; i < messages.size(); i++) {
            try {
                genl.socket().execute(messages.get(i), "WG_CMD_SET_DEVICE (configure, message " + (i + 1) + " of " + messages.size() + ")",
                        "WireGuard interface '" + name + "'");
            } catch (NetlinkException e) {
                throw new WireGuardException("configure WireGuard interface '" + name + "' failed"
                        + (i > 0 ? " after " + i + " of " + messages.size() + " messages were applied" : "") + ": " + e.getMessage(), e);
            }
        }
    }

    @Override
    public Optional<DeviceState> read(String name) {
        List<NlMessage> replies;
        try {
            replies = genl.socket().dump(WgNetlink.getDevice(family.id(), name), "WG_CMD_GET_DEVICE (read device)",
                    "WireGuard interface '" + name + "'");
        } catch (NetlinkException e) {
            if (e.errno() == ENODEV) {
                return Optional.empty();
            }
            throw new WireGuardException("read WireGuard interface '" + name + "' failed: " + e.getMessage(), e);
        }
        return Optional.of(WgNetlink.decodeDevice(name, replies.stream().filter(m -> m.type() == family.id()).toList()));
    }

    @Override
    public void close() {
        closeQuietly(genl, route);
    }
}
