"""Runs CleanRL's dqn.py (written for Gymnasium 0.29, which this machine's pip index lacks) on
Gymnasium 1.x, changing nothing in the script: SyncVectorEnv is made to autoreset in the same step
(Gymnasium 0.29's behaviour) and its infos get the 0.29 keys the script reads (`final_observation`
and `final_info` as one dict or None per env). Usage: python cleanrl_gym1.py PATH/dqn.py ARGS...
"""

import runpy
import sys

import gymnasium as gym
import numpy as np

_SyncVectorEnv = gym.vector.SyncVectorEnv


class SameStepSyncVectorEnv(_SyncVectorEnv):
    """Gymnasium 1.x's SyncVectorEnv with same-step autoreset and 0.29-style final infos."""

    def __init__(self, env_fns, *args, **kwargs):
        kwargs.setdefault("autoreset_mode", gym.vector.AutoresetMode.SAME_STEP)
        super().__init__(env_fns, *args, **kwargs)

    def step(self, actions):
        obs, rewards, terminations, truncations, infos = super().step(actions)
        done = infos.get("_final_obs")
        if done is not None and np.any(done):
            infos["final_observation"] = infos["final_obs"]
            final = infos.get("final_info", {})
            has_episode = final.get("_episode", np.zeros(self.num_envs, dtype=bool))
            per_env = []
            for i in range(self.num_envs):
                if not done[i]:
                    per_env.append(None)
                elif "episode" in final and has_episode[i]:
                    per_env.append({"episode": {k: final["episode"][k][i] for k in ("r", "l", "t")}})
                else:
                    per_env.append({})
            infos["final_info"] = per_env
        return obs, rewards, terminations, truncations, infos


gym.vector.SyncVectorEnv = SameStepSyncVectorEnv

if __name__ == "__main__":
    script = sys.argv[1]
    sys.argv = sys.argv[1:]
    runpy.run_path(script, run_name="__main__")
