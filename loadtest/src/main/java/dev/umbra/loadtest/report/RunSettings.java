package dev.umbra.loadtest.report;

import java.util.List;

/**
 * What was asked for, echoed in the report so that a report.json stands on its own.
 *
 * @param mode             {@code open} or {@code closed}
 * @param arrivals         {@code constant} or {@code poisson}; null in closed loop
 * @param rates            the target rates, one per step (one for {@code --rate}); empty in closed loop
 * @param stepSeconds      length of each rate step; for {@code --rate}, the duration
 * @param concurrency      closed loop's N; 0 in open loop
 * @param durationSeconds  the measured part
 * @param warmupSeconds    before it, left out of the figures
 * @param graceSeconds     after the last send, the wait for answers
 * @param maxOutstanding   open loop's guard; 0 in closed loop
 * @param images           num_images of each request
 * @param prompts          {@code shapes-world} or the prompts file
 * @param model            the model name asked for, or null
 * @param seed             of Poisson gaps and prompts
 * @param bootstrapServers the cluster
 * @param promptsTopic     where requests went
 * @param resultsTopic     where results were read
 * @param baselineInProcess whether this process ran the baseline pass-through itself
 */
public record RunSettings(String mode, String arrivals, List<Double> rates, double stepSeconds, int concurrency,
        double durationSeconds, double warmupSeconds, double graceSeconds, int maxOutstanding, int images,
        String prompts, String model, long seed, String bootstrapServers, String promptsTopic, String resultsTopic,
        boolean baselineInProcess) {
}
