# bug: the optimizer is built without the profile's weight decay
# file: src/POSLayerFreeze/Training/Trainer.cs
s/profile\.Epsilon, profile\.WeightDecay,/profile.Epsilon, 0.0,/
