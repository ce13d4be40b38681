package io.patronus.appliance.classify;

import java.util.List;
import java.util.Optional;

/**
 * The classifier's decision for one packet and why: the verdict, the mark it leaves on the packet, the policy
 * that matched (if any), the destination site and the steering entry used.
 */
public record Decision(Verdict verdict, int markOut, Optional<ClassifierRules.Rule> rule, Optional<String> siteId,
                       Optional<ClassifierRules.Steer> steer, List<String> reasons) {
    public Decision {
        reasons = List.copyOf(reasons);
    }
}
