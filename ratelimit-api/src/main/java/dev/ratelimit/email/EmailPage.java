package dev.ratelimit.email;

import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * One page of captured addresses, in capture order.
 *
 * @param records the addresses on this page
 * @param nextCursor pass to {@link dev.ratelimit.EmailStore#page} for the next page; {@code null} after the last
 */
public record EmailPage(List<EmailRecord> records, @Nullable String nextCursor) {

    /**
     * A page holding a copy of {@code records}.
     *
     * @param records the addresses on this page; copied, and neither the list nor an element may
     *     be null
     * @param nextCursor the cursor of the next page, or {@code null} after the last
     */
    public EmailPage {
        records = List.copyOf(records);
    }
}
