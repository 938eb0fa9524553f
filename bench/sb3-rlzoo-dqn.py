"""Stable-Baselines3's DQN with RL Baselines3 Zoo's tuned hyperparameters (hyperparams/dqn.yml, the
values tfgym's `cartpole`, `acrobot` and `mountaincar` presets copy), trained per seed and then
evaluated greedily on 100 episodes with seeds 1,000,000 + i, as `tfgym train` does. One JSON line
per run is appended to --out: it says how often SB3 itself reaches RL Zoo's published return with
these settings (RL Zoo's benchmark.md reports one run per env).

Needs a Python with torch, gymnasium and stable-baselines3 (TFGYM_PYTHON). Run:
  $TFGYM_PYTHON bench/sb3-rlzoo-dqn.py --env CartPole-v1 --seeds 1,2,3,4,5,6
"""

import argparse
import json
import os
import platform
import subprocess
import time
from datetime import datetime, timezone

# RL Baselines3 Zoo, hyperparams/dqn.yml (DLR-RM/rl-baselines3-zoo).
RLZOO = {
    "CartPole-v1": dict(
        n_timesteps=50_000, learning_rate=2.3e-3, batch_size=64, buffer_size=100_000, learning_starts=1000,
        gamma=0.99, target_update_interval=10, train_freq=256, gradient_steps=128, exploration_fraction=0.16,
        exploration_final_eps=0.04,
    ),
    "Acrobot-v1": dict(
        n_timesteps=100_000, learning_rate=6.3e-4, batch_size=128, buffer_size=50_000, learning_starts=0,
        gamma=0.99, target_update_interval=250, train_freq=4, gradient_steps=-1, exploration_fraction=0.12,
        exploration_final_eps=0.1,
    ),
    "MountainCar-v0": dict(
        n_timesteps=120_000, learning_rate=4e-3, batch_size=128, buffer_size=10_000, learning_starts=1000,
        gamma=0.98, target_update_interval=600, train_freq=16, gradient_steps=8, exploration_fraction=0.2,
        exploration_final_eps=0.07,
    ),
}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--env", choices=sorted(RLZOO), default="CartPole-v1")
    ap.add_argument("--seeds", default="1,2,3")
    ap.add_argument("--threads", type=int, default=1, help="torch threads (1: no oversubscription on 2 cores)")
    ap.add_argument("--out", default="results/peers/sb3-rlzoo-dqn.jsonl")
    a = ap.parse_args()

    import gymnasium as gym
    import numpy as np
    import stable_baselines3
    import torch
    from stable_baselines3 import DQN

    torch.set_num_threads(a.threads)
    hp = dict(RLZOO[a.env])
    steps = hp.pop("n_timesteps")
    for seed in [int(s) for s in a.seeds.split(",") if s]:
        load = os.getloadavg()[0]
        t0 = time.time()
        model = DQN("MlpPolicy", gym.make(a.env), policy_kwargs=dict(net_arch=[256, 256]), seed=seed, verbose=0, **hp)
        model.learn(steps)
        wall = time.time() - t0
        env = gym.make(a.env)
        returns = []
        for i in range(100):
            obs, _ = env.reset(seed=1_000_000 + i)
            done, total = False, 0.0
            while not done:
                action, _ = model.predict(obs, deterministic=True)
                obs, reward, terminated, truncated, _ = env.step(action)
                total += float(reward)
                done = terminated or truncated
            returns.append(total)
        line = {
            "kind": "peer",
            "peer": "stable-baselines3 DQN, RL Zoo hyperparameters",
            "env": a.env,
            "seed": seed,
            "totalSteps": steps,
            "finalEval": {"episodes": 100, "meanReturn": float(np.mean(returns)), "stdReturn": float(np.std(returns)),
                          "epsilon": 0, "seed": 1_000_000},
            "wallSeconds": round(wall, 3),
            "loadAverageAtStart": round(load, 2),
            "sb3": stable_baselines3.__version__,
            "torch": torch.__version__,
            "torchThreads": a.threads,
            "python": platform.python_version(),
            "command": f"python bench/sb3-rlzoo-dqn.py --env {a.env} --seeds {seed} --threads {a.threads}",
            "commit": subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True).stdout.strip(),
            "date": datetime.now(timezone.utc).isoformat(),
        }
        os.makedirs(os.path.dirname(a.out) or ".", exist_ok=True)
        with open(a.out, "a") as f:
            f.write(json.dumps(line) + "\n")
        print(f"{a.env} seed {seed}: greedy {line['finalEval']['meanReturn']:.2f} in {wall:.1f} s", flush=True)


if __name__ == "__main__":
    main()
