# bug: the schedule's learning rate is computed (and logged) but the optimizer keeps the peak rate
# file: src/POSLayerFreeze/Training/TrainStep.cs
# (the update moved from Trainer into TrainStep.ApplyUpdate; the bug is the same: the rate handed in is dropped)
s/optimizer\.LearningRate = learningRate;/_ = learningRate;/
