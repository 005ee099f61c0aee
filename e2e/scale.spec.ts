import { expect, test } from './fixtures';

// "Run this at scale": the setup in the address becomes the official RTO launch, each setting at its flag.
test('the launch command of the official RTO code follows the setup, and PPO drops the DPO flags', async ({ page }) => {
  await page.goto('/#preset=tiny&beta1=1.3&rtoClip=0.4&seed=7');
  const command = page.getByTestId('launch-command');
  await expect(command).toContainText('deepspeed --module openrlhf.cli.train_ppo');
  await expect(command).toContainText('--dpo_reward_scale 1.3');
  await expect(command).toContainText('--dpo_reward_clip 0.4');
  await expect(command).toContainText('--seed 7');
  await expect(command).toContainText('--dpo_pretrain <DPO_MODEL_PATH>');
  await page.getByLabel('Method', { exact: true }).and(page.locator('#scale-method')).selectOption('ppo');
  await expect(command).not.toContainText('--dpo_pretrain');
  await expect(command).not.toContainText('--dpo_reward_scale');
  await expect(page.getByTestId('scale-up').getByText('What has no counterpart')).toBeVisible();
});
