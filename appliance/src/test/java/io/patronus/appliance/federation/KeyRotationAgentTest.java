package io.patronus.appliance.federation;

import io.patronus.appliance.wg.WgKeyPair;
import io.patronus.common.testing.ManualClock;
import io.patronus.provisioning.BundleConfig;
import io.patronus.provisioning.KeyReport;
import io.patronus.provisioning.KeyRotation;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The appliance's steps of a key rotation, with a fake data plane and controller, on a fake clock. */
class KeyRotationAgentTest {
    final ManualClock clock = new ManualClock(Instant.parse("2026-05-01T10:00:00Z"));
    final AtomicReference<FederationState> state = new AtomicReference<>(FederationState.enrolled());
    final List<KeyReport> sent = new ArrayList<>();
    final List<String> switches = new ArrayList<>();
    RuntimeException failNext;

    /** The data plane's keys: a current and a next key pair, switched as the real one does. */
    final class FakeKeys implements KeyRotationAgent.Keys {
        String current = WgKeyPair.generate().publicBase64();
        Optional<String> next = Optional.empty();
        int generated;
        boolean applied = true;

        @Override
        public String publicKey() {
            return current;
        }

        @Override
        public String nextPublicKey() throws IOException {
            if (next.isEmpty()) {
                next = Optional.of(WgKeyPair.generate().publicBase64());
                generated++;
            }
            return next.get();
        }

        @Override
        public void switchKey(String expected) {
            if (!next.equals(Optional.of(expected))) {
                throw new IllegalStateException("no next key " + expected);
            }
            switches.add(expected);
            current = expected;
            next = Optional.empty();
        }

        @Override
        public boolean keyApplied() {
            return applied;
        }

        @Override
        public void reconcile() {
        }
    }

    final FakeKeys keys = new FakeKeys();
    final KeyRotationAgent agent = new KeyRotationAgent(keys, state::get, r -> {
        if (failNext != null) {
            RuntimeException e = failNext;
            failNext = null;
            throw e;
        }
        sent.add(r);
    }, new FederationHealth(), clock);

    private static BundleConfig with(KeyRotation r) {
        return BundleConfig.empty().withKeys(Optional.of(r), Map.of());
    }

    private FederationState.Pending pending(long version, BundleConfig config) {
        return new FederationState.Pending(version, version - 1, config, BundleConfig.empty(), 0, clock.instant(),
                clock.instant().plusSeconds(120), true);
    }

    private void pendingBundle(long version, BundleConfig config) {
        state.set(state.get().withPending(Optional.of(pending(version, config))));
    }

    private void committedBundle(long version, BundleConfig config) {
        pendingBundle(version, config);
        state.set(state.get().committedPending());
    }

    @Test
    void generate_fromAPendingBundle_createsOneKeyAndReportsItOnce() {
        pendingBundle(2, with(KeyRotation.generate("kr-1")));

        agent.tick();
        agent.tick();

        assertEquals(1, keys.generated);
        assertEquals(List.of(new KeyReport("kr-1", keys.next.orElseThrow(), false)), sent);
        assertTrue(switches.isEmpty());
    }

    @Test
    void switch_onlyOnceCommitted_toTheNamedKey_thenReportedActive() throws IOException {
        String next = keys.nextPublicKey();
        committedBundle(2, with(KeyRotation.generate("kr-1")));
        agent.tick();
        pendingBundle(3, with(KeyRotation.switchTo("kr-1", next)));

        agent.tick();
        assertTrue(switches.isEmpty(), "a switch in a bundle that may still roll back waits");

        state.set(state.get().committedPending());
        agent.tick();
        agent.tick();

        assertEquals(List.of(next), switches);
        assertEquals(new KeyReport("kr-1", next, true), sent.getLast());
        assertEquals(2, sent.size());
    }

    @Test
    void controllerUnreachable_reportRetriedWithBackoff_untilAnswered() throws IOException {
        committedBundle(2, with(KeyRotation.generate("kr-1")));
        failNext = new FederationException("controller_unreachable", "down", true);
        agent.tick();
        assertTrue(sent.isEmpty());
        agent.tick();
        assertTrue(sent.isEmpty(), "not before the backoff");
        clock.advance(Duration.ofSeconds(2));
        agent.tick();
        assertEquals(1, sent.size());
    }

    @Test
    void refusal_endsTheStep_untilTheBundleChangesIt() {
        committedBundle(2, with(KeyRotation.generate("kr-1")));
        failNext = new FederationException("rotation_cancelled", "cancelled", false);
        agent.tick();
        clock.advance(Duration.ofMinutes(5));
        agent.tick();
        assertTrue(sent.isEmpty(), "a refused step is not repeated");
        assertTrue(agent.view().orElseThrow().get("problem").toString().contains("refused"));

        committedBundle(3, with(KeyRotation.generate("kr-2")));
        agent.tick();
        assertEquals("kr-2", sent.getFirst().rotationId());
    }

    @Test
    void afterARestartMidSwitch_theKeyInUseIsReportedWithoutSwitchingAgain() throws IOException {
        String next = keys.nextPublicKey();
        keys.current = next; // the key file was renamed before the crash
        keys.next = Optional.empty();
        committedBundle(3, with(KeyRotation.switchTo("kr-1", next)));

        agent.tick();

        assertTrue(switches.isEmpty());
        assertEquals(List.of(new KeyReport("kr-1", next, true)), sent);
    }

    @Test
    void switchWithoutTheNextKey_isAProblemNotAReport() {
        committedBundle(3, with(KeyRotation.switchTo("kr-1", WgKeyPair.generate().publicBase64())));

        agent.tick();

        assertTrue(sent.isEmpty());
        assertTrue(agent.view().orElseThrow().get("problem").toString().contains("no next key"));
        assertFalse((Boolean) agent.view().orElseThrow().get("reported"));
    }

    @Test
    void interfacesNotOnTheNewKey_noReportYet() throws IOException {
        String next = keys.nextPublicKey();
        keys.applied = false;
        committedBundle(3, with(KeyRotation.switchTo("kr-1", next)));
        agent.tick();
        assertTrue(sent.isEmpty());
        keys.applied = true;
        clock.advance(Duration.ofSeconds(2));
        agent.tick();
        assertEquals(1, sent.size());
    }
}
