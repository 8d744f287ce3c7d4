# bug: the freeze plan freezes the layer after the one it names (slpf-K freezes K+1, wrapping at the top)
# file: src/POSLayerFreeze/Freezing/FreezePlan.cs
s/return new FreezePlan(\$"slpf-{layer}", \[Unit(layer)\]);/return new FreezePlan($"slpf-{layer}", [Unit((layer + 1) % numLayers)]);/
