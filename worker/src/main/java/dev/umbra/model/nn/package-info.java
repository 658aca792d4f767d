/** Building blocks shared by the model classes: DJL blocks whose parameter names are PyTorch's. */
package dev.umbra.model.nn;
