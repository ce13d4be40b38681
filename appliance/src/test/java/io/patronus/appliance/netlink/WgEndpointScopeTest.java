package io.patronus.appliance.netlink;

import io.patronus.appliance.dataplane.DataPlane;
import io.patronus.appliance.netlink.wireguard.WgNetlink;
import org.junit.jupiter.api.Test;

import java.net.InetSocketAddress;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** Regression (found by hil-tests): an IPv6 endpoint read back from the kernel printed with a "%0" scope. */
class WgEndpointScopeTest {
    @Test
    void ipv6EndpointWithoutScope_readsBackWithoutPercentZero_andPrintsInBrackets() {
        InetSocketAddress sent = new InetSocketAddress("fd00::99", 51830);
        InetSocketAddress back = WgNetlink.endpoint(WgNetlink.sockaddr(sent)).orElseThrow();
        assertEquals(sent, back);
        assertEquals("[fd00:0:0:0:0:0:0:99]:51830", DataPlane.endpoint(back));
        assertEquals("192.0.2.7:51820", DataPlane.endpoint(WgNetlink.endpoint(WgNetlink.sockaddr(
                new InetSocketAddress("192.0.2.7", 51820))).orElseThrow()));
    }
}
