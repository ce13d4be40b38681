package io.patronus.controller.api;

import io.patronus.provisioning.DeviceIdentity;

/** Who made a request, as established by the route's authentication. */
public sealed interface Caller {
    /** The name used in audit records. */
    String actor();

    /** No authentication (the CA download, enrolment before its token is checked). */
    record Anonymous() implements Caller {
        public String actor() {
            return "anonymous";
        }
    }

    /** The fleet operator, with the fleet admin token ({@code secrets/admin.token}): every organisation. */
    record Admin() implements Caller {
        public String actor() {
            return "admin";
        }
    }

    /** An organisation's operator, with an organisation admin token: that organisation only. */
    record OrganisationAdmin(String tokenId, String organisation) implements Caller {
        public String actor() {
            return "admin:" + organisation + "/" + tokenId;
        }
    }

    /** An enrolled appliance, by its current (or, during renewal, previous) device certificate. */
    record Device(DeviceIdentity identity) implements Caller {
        public String actor() {
            return "device:" + identity.siteId() + "/" + identity.serial();
        }

        public String siteId() {
            return identity.siteId();
        }
    }
}
