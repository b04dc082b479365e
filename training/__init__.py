"""Training: GRPO for generative guards (``train_grpo``) and the embedded guard's heads (``embedded``)."""
