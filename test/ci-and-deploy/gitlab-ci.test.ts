import { expect } from 'chai';
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { PROJECT_ROOT } from '../../local-dev/serverless-config';

interface Job {
  stage?: string;
  extends?: string;
  script?: string[];
  variables?: Record<string, string>;
  environment?: { name: string };
  rules?: Array<{ if?: string; when?: string; allow_failure?: boolean }>;
}

const ci = parse(readFileSync(join(PROJECT_ROOT, '.gitlab-ci.yml'), 'utf8')) as Record<string, unknown> & {
  stages: string[];
};
const RESERVED = new Set(['stages', 'variables', 'default', 'workflow', 'include']);
const jobs: Record<string, Job> = Object.fromEntries(
  Object.entries(ci)
    .filter(([name]) => !RESERVED.has(name) && !name.startsWith('.'))
    .map(([name, job]) => {
      const own = job as Job;
      const template = own.extends ? (ci[own.extends] as Job) : {};
      return [name, { ...template, ...own }];
    }),
);
const packageJson = JSON.parse(readFileSync(join(PROJECT_ROOT, 'package.json'), 'utf8')) as {
  scripts: Record<string, string>;
  bin: Record<string, string>;
};
const packageScripts = packageJson.scripts;
const cliHelp = execFileSync(process.execPath, [join(PROJECT_ROOT, 'bin/dingtalk-callback.js'), 'help'], {
  encoding: 'utf8',
});

describe('.gitlab-ci.yml', () => {
  it('GIVEN the file WHEN parsed THEN test, package and deploy stages, each job in one of them', () => {
    expect(ci.stages).to.deep.equal(['test', 'package', 'deploy']);
    for (const [name, job] of Object.entries(jobs)) expect(ci.stages, name).to.include(job.stage);
  });

  it('GIVEN the test job WHEN read THEN it runs .ci/run, which runs the README’s test command — what CI here runs', () => {
    expect(jobs.test!.script).to.deep.equal(['bash .ci/run']);
    const run = readFileSync(join(PROJECT_ROOT, '.ci/run'), 'utf8');
    expect(run).to.match(/^npm test$/m);
    expect(readFileSync(join(PROJECT_ROOT, 'README.md'), 'utf8')).to.match(/^npm test$/m);
  });

  it('GIVEN the deploy jobs WHEN read THEN one per provider and stage, with environments; dev from the default branch, prod from tags by hand', () => {
    for (const provider of ['aws', 'aliyun']) {
      const dev = jobs[`deploy:${provider}:dev`]!;
      const prod = jobs[`deploy:${provider}:prod`]!;
      expect(dev.environment?.name).to.equal(`${provider}/dev`);
      expect(prod.environment?.name).to.equal(`${provider}/prod`);
      expect(dev.script!.join('\n')).to.contain(`--config serverless.${provider}.yml --stage "$STAGE"`);
      expect(dev.variables?.STAGE).to.equal('dev');
      // Two deploys of one stage never overlap.
      expect((dev as { resource_group?: string }).resource_group).to.equal(`${provider}-$STAGE`);
      expect(prod.variables?.STAGE).to.equal('prod');
      expect(
        dev.rules!.every((rule) => rule.if?.includes('$CI_COMMIT_BRANCH == $CI_DEFAULT_BRANCH')),
      ).to.equal(true);
      expect(prod.rules).to.have.length.greaterThan(0);
      for (const rule of prod.rules!) {
        expect(rule.if).to.contain('$CI_COMMIT_TAG');
        expect(rule.when).to.equal('manual');
      }
    }
    expect(jobs['package:aws']).to.not.equal(undefined);
    expect(jobs['package:aliyun']).to.not.equal(undefined);
  });

  it('GIVEN each deploy job WHEN read THEN it deploys what its own stage’s package job built (sls deploy --package), not a fresh package', () => {
    for (const provider of ['aws', 'aliyun']) {
      for (const stage of ['dev', 'prod']) {
        const deploy = jobs[`deploy:${provider}:${stage}`] as Job & { needs?: string[] };
        const pack = jobs[`package:${provider}:${stage}`] as Job & { artifacts?: { paths: string[] } };
        expect(deploy.needs, `deploy:${provider}:${stage}`).to.deep.equal([`package:${provider}:${stage}`]);
        expect(pack.variables?.STAGE).to.equal(stage);
        expect(pack.rules).to.deep.equal(deploy.rules!.map(({ if: condition }) => ({ if: condition })));
        const deployLine = deploy.script!.find((line) => line.includes('serverless deploy'))!;
        const packageLine = pack.script!.find((line) => line.includes('serverless package'))!;
        const target = /--package "?([^"\s]+)"?/.exec(deployLine)?.[1];
        expect(target, deployLine).to.be.a('string');
        // The deploy reads the directory the package job wrote and kept as its artifact.
        expect(pack.artifacts!.paths.map((p) => p.replace(/\/$/, ''))).to.include(target);
        if (provider === 'aws') expect(packageLine).to.contain(`--package "${target}"`);
      }
    }
  });

  it('GIVEN the job image WHEN read THEN it is the Node LTS line of the Lambda runtime (nodejs24.x)', () => {
    const image = (ci.default as { image: string }).image;
    const runtime = readFileSync(join(PROJECT_ROOT, 'serverless.aws.yml'), 'utf8').match(
      /runtime: nodejs(\d+)\.x/,
    )![1];
    expect(image).to.equal(`node:${runtime}-bookworm`);
  });

  it('GIVEN every script line WHEN checked THEN the configs, scripts, npm scripts and CLI commands it uses exist', () => {
    let checked = 0;
    for (const [name, job] of Object.entries(jobs)) {
      for (const line of job.script ?? []) {
        for (const [, config] of line.matchAll(/--config (\S+)/g)) {
          expect(existsSync(join(PROJECT_ROOT, config!)), `${name}: ${config}`).to.equal(true);
          checked++;
        }
        for (const [, script] of line.matchAll(/npm run (\S+)/g)) {
          expect(packageScripts, `${name}: npm run ${script}`).to.have.property(script!);
          checked++;
        }
        for (const [, file] of line.matchAll(/bash (\S+)/g)) {
          expect(existsSync(join(PROJECT_ROOT, file!)), `${name}: ${file}`).to.equal(true);
          checked++;
        }
        for (const [, command] of line.matchAll(/npx dingtalk-callback (\S+)/g)) {
          expect(cliHelp, `${name}: dingtalk-callback ${command}`).to.match(
            new RegExp(`^  ${command} `, 'm'),
          );
          checked++;
        }
        for (const [, bin] of line.matchAll(/npx (\S+)/g)) {
          // npx finds the project's own bin (package.json "bin") and installed ones in node_modules/.bin.
          const own = packageJson.bin[bin!];
          const path = own ? join(PROJECT_ROOT, own) : join(PROJECT_ROOT, 'node_modules/.bin', bin!);
          expect(existsSync(path), `${name}: npx ${bin}`).to.equal(true);
          checked++;
        }
      }
    }
    expect(checked).to.be.greaterThan(8);
  });
});
