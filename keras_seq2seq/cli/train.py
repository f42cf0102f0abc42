"""`keras-seq2seq train`: a recipe trained into a preset folder, resumed when run again."""


def add_commands(commands):
    train = commands.add_parser("train", help="train a model from a recipe and save it as a preset")
    train.add_argument("--recipe", required=True, help="recipe JSON file, e.g. zoo/addition/recipe.json")
    train.add_argument("--output", required=True,
                       help="new folder for the trained preset; holds checkpoints while training: "
                       "run the same command again to resume an interrupted training")
    train.add_argument("--strategy", choices=["default", "mirrored", "multi_worker"], default="default",
                       help="one device (default), every local GPU (mirrored), or the workers TF_CONFIG lists "
                       "(multi_worker); see docs/distributed.md")
    train.add_argument("--log-dir", help="TensorBoard log folder (default: OUTPUT/logs)")
    train.add_argument("--checkpoint-steps", type=int, default=100,
                       help="batches between checkpoints inside an epoch (default 100; 0: at epoch ends only)")
    train.set_defaults(run=run_train)


def run_train(args):
    from keras_seq2seq.recipe import load_recipe
    from keras_seq2seq.training import train

    recipe = load_recipe(args.recipe)
    _, history = train(recipe, output=args.output, strategy=args.strategy, log_dir=args.log_dir,
                       checkpoint_steps=args.checkpoint_steps)
    print(
        f"saved {args.output}: validation exact match {history['val_exact_match'][-1]:.2%} "
        f"after {len(history['seconds'])} epochs, {sum(history['seconds']):.1f} s of training"
    )
