package dev.umbra.client;

/**
 * Counters of one client since it started.
 *
 * @param outstanding        requests sent (or being sent) and not yet finished: the slots in use
 * @param sent               requests handed to Kafka
 * @param answered           futures completed by a reply (OK or not)
 * @param timedOut           futures failed with {@link ReplyTimeoutException}
 * @param cancelled          futures cancelled (or completed) by the caller before their reply
 * @param duplicateReplies   replies to requests already answered: at-least-once redelivery, ignored
 * @param lateReplies        replies to requests that had timed out, been cancelled or failed, ignored
 * @param unknownReplies     replies to request ids this client does not know (sent by another client sharing the
 *                           reply topic, or finished too long ago to be remembered), ignored
 * @param undecodableReplies records on the reply topic that are not ImageResults, ignored
 */
public record ClientStats(int outstanding, long sent, long answered, long timedOut, long cancelled,
                          long duplicateReplies, long lateReplies, long unknownReplies, long undecodableReplies) {
}
