# bug: the schedule's learning rate is computed (and logged) but the optimizer keeps the peak rate
# file: src/POSLayerFreeze/Training/Trainer.cs
s/optimizer\.LearningRate = learningRate;/optimizer.LearningRate = profile.LearningRate;/
