# bug: the training loop leaves the model in eval mode, so no dropout is applied while training
# file: src/POSLayerFreeze/Training/Trainer.cs
s/^\( *\)model\.train();$/\1model.eval();/
