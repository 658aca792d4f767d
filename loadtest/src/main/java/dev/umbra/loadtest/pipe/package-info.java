/** The baseline: a model-free pass-through from the prompts topic to the results topic, delivering as the worker does. */
package dev.umbra.loadtest.pipe;
