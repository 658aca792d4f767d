package dev.umbra.loadtest.measure;

/**
 * What happened to the requests of one part of the run.
 *
 * @param sent        handed to the transport (including those whose send then failed)
 * @param answered    got a first result within the grace period
 * @param lost        sent, never answered within the grace period (closed loop: within the grace after their send)
 * @param duplicates  results beyond the first for the same request id
 * @param late        results for requests already counted lost (closed loop only)
 * @param dropped     never sent: the open-loop {@code --max-outstanding} guard was full at their intended time
 * @param sendErrors  sends the transport reported failed (never reached the topic as far as the client knows)
 */
public record Counts(long sent, long answered, long lost, long duplicates, long late, long dropped, long sendErrors) {

    public static final Counts ZERO = new Counts(0, 0, 0, 0, 0, 0, 0);

    public Counts plus(Counts o) {
        return new Counts(sent + o.sent, answered + o.answered, lost + o.lost, duplicates + o.duplicates,
                late + o.late, dropped + o.dropped, sendErrors + o.sendErrors);
    }
}
