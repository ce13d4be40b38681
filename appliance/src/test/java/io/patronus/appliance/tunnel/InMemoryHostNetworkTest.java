package io.patronus.appliance.tunnel;

import io.patronus.model.IpPrefix;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

class InMemoryHostNetworkTest {
    /** Regression: the demo's data plane recorded every route change for as long as it ran. */
    @Test
    void operations_keepsTheLastThousand_countsThemAll() {
        InMemoryHostNetwork net = new InMemoryHostNetwork(() -> List.of("wg-fiber"));
        int changes = InMemoryHostNetwork.KEPT + 500;
        for (int i = 0; i < changes; i++) {
            net.replaceRoute(1000, IpPrefix.parse("100.64." + (i % 2) + ".0/24"), i % 4 < 2 ? "wg-fiber" : "wg-lte");
        }
        assertEquals(changes, net.operationCount());
        assertEquals(InMemoryHostNetwork.KEPT, net.operations().size());
        assertEquals("route replace 100.64.1.0/24 dev wg-lte table 1000", net.operations().getLast());
    }
}
