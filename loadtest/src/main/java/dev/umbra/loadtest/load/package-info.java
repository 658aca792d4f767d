/** What is sent and when: arrival schedules (constant, Poisson, ramps), requests, and the open- and closed-loop drivers. */
package dev.umbra.loadtest.load;
