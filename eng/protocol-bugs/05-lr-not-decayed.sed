# bug: the schedule's learning rate is computed (and logged) but the optimizer keeps the peak rate
# file: src/POSLayerFreeze/Training/Trainer.cs
# (the update moved from Trainer into TrainStep.ApplyUpdate and back into Trainer's loop; the bug is the same: the rate is dropped)
s/optimizer\.LearningRate = learningRate;/_ = learningRate;/
