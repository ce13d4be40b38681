package io.patronus.appliance.paths;

import io.patronus.model.Path;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** The probe hold asks the data plane about the remote site and colour of each path, read from the path id. */
class ProbedPathsHoldTest {
    @Test
    void remoteSite_isTheDestinationOfThePathId() {
        assertEquals("site-b", ProbedPaths.remoteSite(Path.id("site-a", "site-b", "fiber")));
        assertEquals("s10", ProbedPaths.remoteSite(Path.id("s1", "s10", "lte")));
    }
}
