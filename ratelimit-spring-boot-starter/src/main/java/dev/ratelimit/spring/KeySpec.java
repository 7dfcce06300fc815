package dev.ratelimit.spring;

import org.jspecify.annotations.Nullable;

/** {@code ratelimit.key}: who a path rule's request counts against. */
record KeySpec(Kind kind, @Nullable String header) {

    enum Kind {
        IP,
        HEADER,
        PRINCIPAL
    }

    /**
     * Reads {@code ip}, {@code principal} or {@code header:NAME}.
     *
     * @throws InvalidRateLimitConfigurationException naming {@code ratelimit.key}
     */
    static KeySpec parse(String text) {
        String key = text.strip();
        if (key.equalsIgnoreCase("ip")) {
            return new KeySpec(Kind.IP, null);
        }
        if (key.equalsIgnoreCase("principal")) {
            return new KeySpec(Kind.PRINCIPAL, null);
        }
        if (key.regionMatches(true, 0, "header:", 0, 7) && !key.substring(7).isBlank()) {
            return new KeySpec(Kind.HEADER, key.substring(7).strip());
        }
        throw new InvalidRateLimitConfigurationException(
                "ratelimit.key", "\"" + text + "\" is none of ip, principal or header:NAME (such as header:X-Api-Key)");
    }
}
