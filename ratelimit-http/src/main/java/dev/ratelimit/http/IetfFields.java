package dev.ratelimit.http;

import dev.ratelimit.Limit;
import dev.ratelimit.Policy;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/** The parts of the IETF fields that depend only on the policy, built once per policy. */
final class IetfFields {

    private static final Map<Policy, String> POLICY_FIELDS = new ConcurrentHashMap<>();

    private IetfFields() {}

    static String itemName(Policy policy, int index) {
        return policy.limits().size() == 1 ? policy.name() : policy.name() + "-" + index;
    }

    static String policyField(Policy policy) {
        String field = POLICY_FIELDS.get(policy);
        if (field != null) {
            return field;
        }
        StringBuilder out = new StringBuilder();
        for (int i = 0; i < policy.limits().size(); i++) {
            Limit limit = policy.limits().get(i);
            long window = limit.algorithm() == Limit.Algorithm.TOKEN_BUCKET
                    ? limit.capacity() * limit.emissionIntervalMicros()
                    : limit.windowMicros();
            if (i > 0) {
                out.append(", ");
            }
            out.append('"')
                    .append(itemName(policy, i))
                    .append("\";q=")
                    .append(limit.capacity())
                    .append(";w=")
                    .append(QuotaHeaders.seconds(Duration.ofNanos(window * 1_000)));
        }
        field = out.toString();
        if (POLICY_FIELDS.size() < 1_000) {
            POLICY_FIELDS.put(policy, field);
        }
        return field;
    }
}
